import { createServer, type McpkitServer, type ServerOptions } from '@mcpkit/core';
import { inputRequiredFixtures } from './input-required.js';
import { interactiveTools } from './interactive-tools.js';
import { prompts } from './prompts.js';
import { resources } from './resources.js';
import { taskFixtures } from './tasks.js';
import { contentTools } from './tools.js';

/** Builds the everything server: every fixture the official MCP conformance suite calls. */
export function createEverythingServer(options: Partial<ServerOptions> = {}): McpkitServer {
  // The trigger tools announce changes on the built server, which exists by the time they run.
  let server: McpkitServer | undefined;
  const builder = createServer({
    name: 'mcpkit-everything-server',
    version: '0.1.0',
    title: 'mcpkit everything server',
    instructions: 'A server exercising every MCP feature; each tool says what it demonstrates.',
    ...options,
  })
    .tool('test_trigger_tool_change', {
      description: 'Announces a change of the tool list to listening clients',
      handler: () => {
        server?.notifyToolsChanged();
        return 'Tool list change announced.';
      },
    })
    .tool('test_trigger_prompt_change', {
      description: 'Announces a change of the prompt list to listening clients',
      handler: () => {
        server?.notifyPromptsChanged();
        return 'Prompt list change announced.';
      },
    });
  server = taskFixtures(
    inputRequiredFixtures(prompts(resources(interactiveTools(contentTools(builder))))),
  ).build();
  return server;
}
