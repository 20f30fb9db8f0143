import { inspectorCommands } from './inspector-command.js';
import { createEverythingServer } from './server.js';

const server = createEverythingServer();

if (process.argv.includes('--stdio')) {
  server.stdio();
} else {
  const port = Number(process.env.PORT || 3000);
  const handle = await server.serve({ port, sessions: true });
  server.logger.info({ url: handle.url }, 'mcpkit everything server listening');
  const inspector = inspectorCommands(handle.url);
  process.stderr.write(
    `\nmcpkit everything server is up at ${handle.url}\n` +
      `Connect any MCP client to that URL (Streamable HTTP; both protocol eras). With the MCP Inspector's CLI:\n` +
      `  list the tools:  ${inspector.listTools}\n` +
      `  call one:        ${inspector.callTool}\n` +
      `Health: ${handle.url.replace(/\/mcp$/, '/healthz')}   Stop: Ctrl+C (drains in-flight calls)\n\n`,
  );
}
