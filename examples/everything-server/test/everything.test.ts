import {
  type CapturedProgress,
  createTestClient,
  expectToolError,
  resultText,
  type TestClient,
  type TestClientOptions,
} from '@mcpkit/testing';
import { type ClientRunContext, describeEachClient, mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PNG_BASE64, WAV_BASE64 } from '../src/fixtures.js';
import { createEverythingServer } from '../src/server.js';

expect.extend(mcpkitMatchers);

type ElicitParams = Parameters<NonNullable<TestClientOptions['elicitation']>>[0];
type SamplingParams = Parameters<NonNullable<TestClientOptions['sampling']>>[0];

/** Form answers keyed by the first property of the requested schema. */
const FORM_ANSWERS: Record<string, Record<string, string | number | boolean>> = {
  name: { name: 'Ada' },
  color: { color: 'blue' },
  ok: { ok: true },
  context: { context: 'quarterly report' },
  username: { username: 'ada', email: 'ada@example.com' },
};

function requestedProperties(params: ElicitParams): Record<string, Record<string, unknown>> {
  const schema = (params as { requestedSchema?: { properties?: Record<string, Record<string, unknown>> } })
    .requestedSchema;
  return schema?.properties ?? {};
}

/** What the input handlers of the last connected client were asked. */
interface Asked {
  elicited: ElicitParams[];
  sampled: SamplingParams[];
}

/**
 * A run's clients with every input handler (unless options say otherwise), each closed after its
 * test, and what the handlers of the last connected one were asked.
 */
function everythingClients(run: ClientRunContext) {
  const open: TestClient[] = [];
  const asked: Asked = { elicited: [], sampled: [] };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close().catch(() => undefined)));
  });
  const elicitation = (params: ElicitParams) => {
    asked.elicited.push(params);
    const first = Object.keys(requestedProperties(params))[0] ?? '';
    return { action: 'accept' as const, content: FORM_ANSWERS[first] ?? {} };
  };
  const sampling = (params: SamplingParams) => {
    asked.sampled.push(params);
    return {
      model: 'test-model',
      role: 'assistant' as const,
      content: { type: 'text' as const, text: 'Paris' },
    };
  };
  async function connect(options: Omit<TestClientOptions, 'era'> = {}): Promise<TestClient> {
    asked.elicited = [];
    asked.sampled = [];
    const client = await run.connect({
      elicitation,
      sampling,
      roots: [{ uri: 'file:///workspace', name: 'workspace' }],
      ...options,
    });
    open.push(client);
    return client;
  }
  return { connect, asked };
}

// Each era × transport run builds the server once and connects a fresh client per test. Over HTTP
// a legacy client keeps what it declared at `initialize` (capabilities, log level) in its session.
describeEachClient(
  'everything server',
  { server: createEverythingServer(), serve: { sessions: true } },
  (run) => {
    const { connect, asked } = everythingClients(run);

    describe('listings', () => {
      it('names every tool within the MCP name rules and describes it', async () => {
        const client = await connect();
        const { tools } = await client.listTools();
        expect(tools.length).toBeGreaterThanOrEqual(25);
        for (const tool of tools) {
          expect(tool.name).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
          expect(tool.description, tool.name).toEqual(expect.stringMatching(/\S/));
          expect(tool.inputSchema.type, tool.name).toBe('object');
        }
        expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
      });

      it('describes every prompt', async () => {
        const client = await connect();
        const { prompts } = await client.listPrompts();
        expect(prompts.map((p) => p.name).sort()).toEqual([
          'test_input_required_result_prompt',
          'test_prompt_with_arguments',
          'test_prompt_with_embedded_resource',
          'test_prompt_with_image',
          'test_simple_prompt',
        ]);
        for (const prompt of prompts)
          expect(prompt.description, prompt.name).toEqual(expect.stringMatching(/\S/));
        expect(prompts.find((p) => p.name === 'test_prompt_with_arguments')?.arguments).toEqual([
          expect.objectContaining({ name: 'arg1', description: 'First test argument', required: true }),
          expect.objectContaining({ name: 'arg2', description: 'Second test argument', required: true }),
        ]);
      });

      it('serves the JSON Schema 2020-12 tool schema verbatim', async () => {
        const client = await connect();
        const { tools } = await client.listTools();
        const tool = tools.find((t) => t.name === 'json_schema_2020_12_tool');
        expect(tool?.inputSchema).toEqual({
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          $defs: {
            address: {
              $anchor: 'addressDef',
              type: 'object',
              properties: { street: { type: 'string' }, city: { type: 'string' } },
            },
          },
          properties: {
            name: { type: 'string' },
            address: { $ref: '#/$defs/address' },
            contactMethod: { type: 'string', enum: ['phone', 'email'] },
            phone: { type: 'string' },
            email: { type: 'string' },
          },
          allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
          if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
          then: { required: ['phone'] },
          else: { required: ['email'] },
          additionalProperties: false,
        });
      });

      it('describes zod inputs with 2020-12 schemas, descriptions and the x-mcp-header annotation', async () => {
        const client = await connect();
        const { tools } = await client.listTools();
        const header = tools.find((t) => t.name === 'test_x_mcp_header');
        expect(header?.inputSchema).toMatchObject({
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: {
            region: { type: 'string', description: 'Region to query', 'x-mcp-header': 'Region' },
            level: { type: 'integer', description: 'Detail level' },
          },
          required: ['region'],
        });
        const sampler = tools.find((t) => t.name === 'test_sampling');
        expect(sampler?.inputSchema).toMatchObject({
          properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
          required: ['prompt'],
        });
      });
    });

    describe('content tools', () => {
      it('returns simple text', async () => {
        const client = await connect();
        const result = await client.callTool('test_simple_text');
        expect(result.isError).not.toBe(true);
        expect(result.content).toEqual([
          { type: 'text', text: 'This is a simple text response for testing.' },
        ]);
      });

      it('returns a PNG image', async () => {
        const client = await connect();
        const result = await client.callTool('test_image_content');
        expect(result.content).toEqual([{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }]);
        expect(Buffer.from(PNG_BASE64, 'base64').subarray(1, 4).toString('ascii')).toBe('PNG');
      });

      it('returns WAV audio', async () => {
        const client = await connect();
        const result = await client.callTool('test_audio_content');
        expect(result.content).toEqual([{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }]);
        expect(Buffer.from(WAV_BASE64, 'base64').subarray(0, 4).toString('ascii')).toBe('RIFF');
      });

      it('returns an embedded text resource with its MIME type', async () => {
        const client = await connect();
        const result = await client.callTool('test_embedded_resource');
        expect(result.content).toEqual([
          {
            type: 'resource',
            resource: {
              uri: 'test://embedded-resource',
              mimeType: 'text/plain',
              text: 'This is an embedded resource content.',
            },
          },
        ]);
      });

      it('returns text, an image and an embedded JSON resource together', async () => {
        const client = await connect();
        const result = await client.callTool('test_multiple_content_types');
        expect(result.content.map((block) => block.type)).toEqual(['text', 'image', 'resource']);
        expect(result.content[0]).toEqual({ type: 'text', text: 'Multiple content types test:' });
        expect(result.content[1]).toEqual({ type: 'image', data: PNG_BASE64, mimeType: 'image/png' });
        const embedded = result.content[2] as { resource: { uri: string; mimeType: string; text: string } };
        expect(embedded.resource).toMatchObject({
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
        });
        expect(JSON.parse(embedded.resource.text)).toEqual({ test: 'data', value: 123 });
      });

      it('answers test_error_handling with a coded isError result', async () => {
        const client = await connect();
        const result = await client.callTool('test_error_handling');
        const error = expectToolError(result, 'CONFLICT');
        expect(error).toMatchObject({
          message: 'This tool intentionally returns an error for testing',
          retryable: false,
          hint: 'Nothing to fix: the failure is the point of this tool.',
        });
        expect(error.requestId).toMatch(/.+/);
        expect(resultText(result)).toContain('This tool intentionally returns an error for testing');
      });

      it('accepts arguments for the JSON Schema 2020-12 tool', async () => {
        const client = await connect();
        const args = { name: 'Ada', contactMethod: 'email', email: 'ada@example.com' };
        const result = await client.callTool('json_schema_2020_12_tool', args);
        expect(resultText(result)).toBe(`Received: ${JSON.stringify(args)}`);
      });

      it('echoes the x-mcp-header tool arguments', async () => {
        const client = await connect();
        expect(resultText(await client.callTool('test_x_mcp_header', { region: 'eu-west' }))).toBe(
          'region=eu-west level=default',
        );
        expect(resultText(await client.callTool('test_x_mcp_header', { region: 'us', level: 2 }))).toBe(
          'region=us level=2',
        );
      });

      it('rejects arguments that break a zod input schema', async () => {
        const client = await connect();
        const result = await client.callTool('test_x_mcp_header', { region: 42 });
        expect(result).toBeToolError('VALIDATION_FAILED');
      });
    });

    describe('progress and logging', () => {
      it('emits three non-decreasing progress values', async () => {
        const client = await connect();
        const progress: CapturedProgress[] = [];
        const result = await client.callTool(
          'test_tool_with_progress',
          {},
          { onProgress: (p) => progress.push(p) },
        );
        expect(resultText(result)).toBe('Progress test completed.');
        expect(progress).toHaveLength(3);
        const values = progress.map((p) => p.progress);
        expect(values).toEqual([...values].sort((a, b) => a - b));
        expect(values).toEqual([0, 50, 100]);
        for (const p of progress) expect(p.total).toBe(100);
      });

      it('emits three log messages when the client asks for debug logs', async () => {
        const client = await connect({ logLevel: 'debug' });
        const result = await client.callTool('test_tool_with_logging');
        expect(resultText(result)).toBe('Logging test completed.');
        await vi.waitFor(() => expect(client.logs).toHaveLength(3));
        expect(client.logs).toEqual([
          { level: 'info', data: 'Tool execution started' },
          { level: 'info', data: 'Tool processing data' },
          { level: 'info', data: 'Tool execution completed' },
        ]);
      });

      it('sends only the log messages at or above the requested level', async () => {
        const client = await connect({ logLevel: 'warning' });
        await client.callTool('test_logging_tool');
        await vi.waitFor(() => expect(client.logs).toHaveLength(1));
        expect(client.logs).toEqual([{ level: 'warning', data: 'warning message from test_logging_tool' }]);
        await client.callTool('test_tool_with_logging');
        expect(client.logs).toHaveLength(1);
      });

      it('reports progress from the streaming tool without asking the client anything', async () => {
        const client = await connect();
        const progress: CapturedProgress[] = [];
        const result = await client.callTool(
          'test_streaming_elicitation',
          {},
          { onProgress: (p) => progress.push(p) },
        );
        expect(resultText(result)).toBe('Streaming completed without asking the client anything.');
        expect(progress).toEqual([{ progress: 1, total: 1, message: 'done' }]);
        expect(asked.elicited).toEqual([]);
        expect(asked.sampled).toEqual([]);
      });
    });

    describe('sampling and elicitation', () => {
      it("asks the client's model through the sampling handler", async () => {
        const client = await connect();
        const result = await client.callTool('test_sampling', { prompt: 'Capital of France?' });
        expect(resultText(result)).toBe('LLM response: Paris');
        expect(asked.sampled).toHaveLength(1);
        expect(asked.sampled[0]).toMatchObject({
          messages: [{ role: 'user', content: { type: 'text', text: 'Capital of France?' } }],
          maxTokens: 100,
        });
      });

      it('asks the user through the elicitation handler', async () => {
        const client = await connect();
        const result = await client.callTool('test_elicitation', { message: 'Who are you?' });
        expect(resultText(result)).toBe(
          'User response: action=accept, content={"username":"ada","email":"ada@example.com"}',
        );
        expect(asked.elicited).toHaveLength(1);
        expect(asked.elicited[0]).toMatchObject({
          message: 'Who are you?',
          requestedSchema: { type: 'object', required: ['username', 'email'] },
        });
      });

      it('reports a declined elicitation', async () => {
        const client = await connect({ elicitation: () => ({ action: 'decline' }) });
        const result = await client.callTool('test_elicitation', { message: 'Who are you?' });
        expect(resultText(result)).toBe('User response: action=decline, content={}');
      });

      it('elicits a form whose fields carry their defaults (SEP-1034)', async () => {
        const client = await connect();
        const result = await client.callTool('test_elicitation_sep1034_defaults');
        expect(resultText(result)).toBe('Elicitation completed: action=accept, content={"name":"Ada"}');
        expect(asked.elicited).toHaveLength(1);
        expect(requestedProperties(asked.elicited[0] as ElicitParams)).toEqual({
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: {
            type: 'string',
            description: 'User status',
            enum: ['active', 'inactive', 'pending'],
            default: 'active',
          },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        });
      });

      it('elicits single- and multi-select enums, titled and untitled (SEP-1330)', async () => {
        const client = await connect();
        await client.callTool('test_elicitation_sep1330_enums');
        expect(asked.elicited).toHaveLength(1);
        const properties = requestedProperties(asked.elicited[0] as ElicitParams);
        expect(properties.untitledSingle).toMatchObject({
          type: 'string',
          enum: ['option1', 'option2', 'option3'],
        });
        expect(properties.titledSingle?.oneOf).toEqual([
          { const: 'value1', title: 'First Option' },
          { const: 'value2', title: 'Second Option' },
          { const: 'value3', title: 'Third Option' },
        ]);
        expect(properties.legacyEnum).toMatchObject({
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        });
        expect(properties.untitledMulti).toMatchObject({
          type: 'array',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        });
        expect(properties.titledMulti).toMatchObject({
          type: 'array',
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        });
      });
    });

    describe('resources', () => {
      it('lists the static resources and the template', async () => {
        const client = await connect();
        const { resources } = await client.listResources();
        expect(resources).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              uri: 'test://static-text',
              name: 'static-text',
              mimeType: 'text/plain',
            }),
            expect.objectContaining({
              uri: 'test://static-binary',
              name: 'static-binary',
              mimeType: 'image/png',
            }),
            expect.objectContaining({ uri: 'test://watched-resource', name: 'watched-resource' }),
          ]),
        );
        const { resourceTemplates } = await client.listResourceTemplates();
        expect(resourceTemplates).toEqual([
          expect.objectContaining({
            uriTemplate: 'test://template/{id}/data',
            name: 'template',
            mimeType: 'application/json',
          }),
        ]);
      });

      it('reads the static text resource', async () => {
        const client = await connect();
        const { contents } = await client.readResource('test://static-text');
        expect(contents).toEqual([
          {
            uri: 'test://static-text',
            mimeType: 'text/plain',
            text: 'This is the content of the static text resource.',
          },
        ]);
      });

      it('reads the static binary resource as a Base64 blob', async () => {
        const client = await connect();
        const { contents } = await client.readResource('test://static-binary');
        expect(contents).toEqual([{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG_BASE64 }]);
      });

      it('reads a template resource for the id in its URI', async () => {
        const client = await connect();
        const { contents } = await client.readResource('test://template/42/data');
        expect(contents).toHaveLength(1);
        const entry = contents[0] as { uri: string; mimeType: string; text: string };
        expect(entry).toMatchObject({ uri: 'test://template/42/data', mimeType: 'application/json' });
        expect(JSON.parse(entry.text)).toEqual({ id: '42', templateTest: true, data: 'Data for ID: 42' });
      });

      it('reads the watched resource with a fresh timestamp', async () => {
        const client = await connect();
        const before = Date.now();
        const { contents } = await client.readResource('test://watched-resource');
        const text = (contents[0] as { text: string }).text;
        const match = /^Watched resource content at (.+)$/.exec(text);
        expect(match).not.toBeNull();
        expect(Date.parse(match?.[1] ?? '')).toBeGreaterThanOrEqual(before - 1_000);
      });

      it('refuses an unknown resource with a JSON-RPC error', async () => {
        const client = await connect();
        await expect(client.readResource('test://nope')).rejects.toMatchObject({ code: -32602 });
      });
    });

    describe('prompts', () => {
      it('gets the simple prompt', async () => {
        const client = await connect();
        const prompt = await client.getPrompt('test_simple_prompt');
        expect(prompt.messages).toEqual([
          { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
        ]);
      });

      it('gets the prompt with arguments', async () => {
        const client = await connect();
        const prompt = await client.getPrompt('test_prompt_with_arguments', { arg1: 'hello', arg2: 'world' });
        expect(prompt.messages).toEqual([
          {
            role: 'user',
            content: { type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" },
          },
        ]);
      });

      it('refuses the prompt with arguments when one is missing', async () => {
        const client = await connect();
        await expect(client.getPrompt('test_prompt_with_arguments', { arg1: 'only' })).rejects.toMatchObject({
          code: -32602,
        });
      });

      it('gets the prompt with an embedded resource', async () => {
        const client = await connect();
        const prompt = await client.getPrompt('test_prompt_with_embedded_resource', {
          resourceUri: 'test://static-text',
        });
        expect(prompt.messages).toEqual([
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: {
                uri: 'test://static-text',
                mimeType: 'text/plain',
                text: 'Embedded resource content for testing.',
              },
            },
          },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ]);
      });

      it('gets the prompt with an image', async () => {
        const client = await connect();
        const prompt = await client.getPrompt('test_prompt_with_image');
        expect(prompt.messages).toEqual([
          { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ]);
      });
    });

    describe('completion', () => {
      it("completes the prompt's arg1 from 'te'", async () => {
        const client = await connect();
        const completion = await client.complete(
          { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
          { name: 'arg1', value: 'te' },
        );
        expect(completion).toEqual({ values: ['test', 'testing', 'tested'], total: 3, hasMore: false });
      });

      it('completes nothing for an argument without a completer', async () => {
        const client = await connect();
        const completion = await client.complete(
          { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
          { name: 'arg2', value: 'te' },
        );
        expect(completion.values).toEqual([]);
      });

      it("completes the template's id", async () => {
        const client = await connect();
        const completion = await client.complete(
          { type: 'ref/resource', uri: 'test://template/{id}/data' },
          { name: 'id', value: '4' },
        );
        expect(completion.values).toEqual(['42']);
      });
    });

    describe('input-required fixtures', () => {
      it('greets the user after eliciting a name', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_elicitation');
        expect(resultText(result)).toBe('Hello, Ada!');
        expect(asked.elicited.map((e) => e.message)).toEqual(['What is your name?']);
      });

      it("answers with the client's model", async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_sampling');
        expect(resultText(result)).toBe('The model says: Paris');
        expect(asked.sampled).toHaveLength(1);
        expect(asked.sampled[0]).toMatchObject({ maxTokens: 100 });
      });

      it("lists the client's roots", async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_list_roots');
        expect(resultText(result)).toBe('The client has 1 root(s): file:///workspace');
      });

      it('carries a confirmation through the request state', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_request_state');
        expect(resultText(result)).toBe('state-ok: confirmed={"ok":true}');
      });

      it('asks for a name, a greeting and the roots together', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_multiple_inputs');
        expect(resultText(result)).toBe('Paris Ada (roots: 1)');
        expect(asked.elicited).toHaveLength(1);
        expect(asked.sampled).toHaveLength(1);
      });

      it('completes the multi-round tool after two elicitations', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_multi_round');
        expect(resultText(result)).toBe('Ada likes blue.');
        expect(asked.elicited.map((e) => e.message)).toEqual([
          'What is your name?',
          'Hi Ada, what is your favourite colour?',
        ]);
      });

      it('confirms the tampered-state fixture when the state is intact', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_tampered_state');
        expect(resultText(result)).toBe('Confirmed with an intact request state.');
      });

      it('asks only for the kinds of input the client declared', async () => {
        const client = await connect({ sampling: undefined, roots: undefined });
        const result = await client.callTool('test_input_required_result_capabilities');
        expect(resultText(result)).toBe('Received 1 answer(s).');
        expect(asked.elicited.map((e) => e.message)).toEqual(['What is your name?']);
        expect(asked.sampled).toEqual([]);
      });

      it('asks for every declared kind of input', async () => {
        const client = await connect();
        const result = await client.callTool('test_input_required_result_capabilities');
        expect(resultText(result)).toBe('Received 3 answer(s).');
        expect(asked.elicited).toHaveLength(1);
        expect(asked.sampled).toHaveLength(1);
      });

      it('asks nothing of a client that declared no input capabilities', async () => {
        const client = await connect({ elicitation: undefined, sampling: undefined, roots: undefined });
        const result = await client.callTool('test_input_required_result_capabilities');
        expect(resultText(result)).toBe('The client declared no input capabilities; nothing to ask.');
      });

      it('gets a prompt that first elicits its context', async () => {
        const client = await connect();
        const prompt = await client.getPrompt('test_input_required_result_prompt');
        expect(prompt.messages).toEqual([
          { role: 'user', content: { type: 'text', text: 'Use this context: quarterly report' } },
        ]);
        expect(asked.elicited.map((e) => e.message)).toEqual(['What context should the prompt use?']);
      });
    });
  },
);

describeEachClient(
  'everything server refusals',
  { server: createEverythingServer(), serve: { sessions: true } },
  (run) => {
    const { connect, asked } = everythingClients(run);

    it('refuses a sampling tool when the client declared other capabilities but not sampling', async () => {
      const client = await connect({ sampling: undefined, roots: undefined });
      await expect(client.callTool('test_missing_capability')).rejects.toMatchObject({ code: -32021 });
      expect(asked.sampled).toEqual([]);
    });

    it('refuses a sampling tool when the client declared no capabilities at all', async () => {
      const client = await connect({ elicitation: undefined, sampling: undefined, roots: undefined });
      await expect(
        client.callTool('test_missing_capability', {}, { timeoutMs: 5_000 }),
      ).rejects.toMatchObject({
        code: -32021,
      });
    });
  },
);

describe('everything server change notifications (legacy era)', () => {
  it('announces tool and prompt list changes from the trigger tools', async () => {
    const client = await createTestClient(createEverythingServer(), { era: 'legacy' });
    try {
      expect(resultText(await client.callTool('test_trigger_tool_change'))).toBe(
        'Tool list change announced.',
      );
      expect(resultText(await client.callTool('test_trigger_prompt_change'))).toBe(
        'Prompt list change announced.',
      );
      await vi.waitFor(() => expect(client.notifications).toHaveLength(2));
      expect(client.notifications).toEqual([
        { method: 'notifications/tools/list_changed' },
        { method: 'notifications/prompts/list_changed' },
      ]);
    } finally {
      await client.close();
    }
  });

  it('tells a subscriber that the watched resource changed', async () => {
    const server = createEverythingServer();
    const client = await createTestClient(server, { era: 'legacy' });
    try {
      await client.client.subscribeResource({ uri: 'test://watched-resource' });
      server.notifyResourceUpdated('test://watched-resource');
      await vi.waitFor(() => expect(client.notifications).toHaveLength(1));
      expect(client.notifications).toEqual([
        { method: 'notifications/resources/updated', params: { uri: 'test://watched-resource' } },
      ]);
    } finally {
      await client.close();
    }
  });
});
