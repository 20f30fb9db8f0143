import {
  audioContent,
  createServer,
  imageContent,
  jsonSchema,
  McpkitError,
  resourceContent,
  resourceLink,
  textContent,
} from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';

const eras = ['modern', 'legacy'] as const;

/** A 1×1 PNG and a tiny WAV, Base64. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const toolsApp = createServer({ name: 'builder-test', version: '1.0.0' })
  .tool('add', {
    description: 'Adds two numbers',
    input: z.object({ a: z.number(), b: z.number() }),
    output: z.object({ sum: z.number() }),
    annotations: { readOnlyHint: true },
    handler: ({ a, b }) => ({ sum: a + b }),
  })
  .tool('fail', {
    description: 'Fails with a coded error',
    handler: () => {
      throw new McpkitError('NOT_FOUND', 'No such invoice', { hint: 'List invoices first.' });
    },
  });

// In process and over Streamable HTTP, in both eras.
describeEachClient('builder tools', { server: toolsApp }, (run) => {
  it('lists tools with JSON Schema 2020-12 input and output schemas', async () => {
    const client = run.client;
    const { tools } = await client.listTools();
    const add = tools.find((t) => t.name === 'add');
    expect(add?.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(add?.outputSchema).toMatchObject({ type: 'object', properties: { sum: { type: 'number' } } });
    expect(add?.annotations).toEqual({ readOnlyHint: true });
  });

  it('returns structured content and a text rendering for tools with an output schema', async () => {
    const client = run.client;
    const result = await client.callTool('add', { a: 2, b: 3 });
    expect(result.structuredContent).toEqual({ sum: 5 });
    expect(JSON.parse(resultText(result))).toEqual({ sum: 5 });
  });

  it('turns a thrown McpkitError into a coded isError result', async () => {
    const client = run.client;
    const error = expectToolError(await client.callTool('fail'), 'NOT_FOUND');
    expect(error).toMatchObject({
      message: 'No such invoice',
      hint: 'List invoices first.',
      retryable: false,
    });
    expect(error.requestId).toMatch(/.+/);
  });
});

describe.each(eras)('builder tool listings (%s era)', (era) => {
  const icon = { src: 'https://example.com/icon.png', mimeType: 'image/png', sizes: ['48x48'] };
  const app = createServer({ name: 'listings', version: '2.0.0' })
    .tool('search_notes', {
      title: 'Search notes',
      description: 'Searches notes by text',
      input: z.object({
        query: z.string().describe('Free text'),
        limit: z.number().int().min(1).max(50).default(10),
        tags: z.array(z.string()).optional(),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
      icons: [icon],
      meta: { 'com.example/owner': 'notes-team' },
      handler: ({ query, limit }) => `${query}:${limit}`,
    })
    .tool('no_args', { description: 'Takes nothing', handler: () => 'ok' })
    .tool('raw_schema', {
      description: 'Declares its arguments as literal JSON Schema',
      input: jsonSchema({
        type: 'object',
        properties: { city: { type: 'string', minLength: 2, 'x-custom': { keep: true } } },
        required: ['city'],
        additionalProperties: false,
      }),
      handler: (args) => `echo ${JSON.stringify(args)}`,
    });

  it('publishes title, description, annotations, icons and _meta exactly as registered', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'search_notes');
    expect(tool).toMatchObject({
      name: 'search_notes',
      title: 'Search notes',
      description: 'Searches notes by text',
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
      icons: [icon],
      _meta: { 'com.example/owner': 'notes-team' },
    });
    expect(tool?.outputSchema).toBeUndefined();
    await client.close();
  });

  it('converts zod details (descriptions, bounds, defaults, optional keys) into the input schema', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    const schema = tools.find((t) => t.name === 'search_notes')?.inputSchema as Record<string, unknown>;
    expect(schema).toMatchObject({
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Free text' },
        limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
    // `limit` has a default, so on input it is optional; `tags` is optional.
    expect(schema.required).toEqual(['query']);
    await client.close();
  });

  it('gives a tool without input an empty object schema', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'no_args')?.inputSchema).toEqual({ type: 'object', properties: {} });
    await client.close();
  });

  it('serves a jsonSchema({...}) literal verbatim and passes its arguments through untouched', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'raw_schema')?.inputSchema).toEqual({
      type: 'object',
      properties: { city: { type: 'string', minLength: 2, 'x-custom': { keep: true } } },
      required: ['city'],
      additionalProperties: false,
    });
    const result = await client.callTool('raw_schema', { city: 'Oslo', extra: 1 });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('echo {"city":"Oslo","extra":1}');
    await client.close();
  });

  it('applies zod defaults before the handler sees the arguments', async () => {
    const client = await createTestClient(app, { era });
    expect(resultText(await client.callTool('search_notes', { query: 'milk' }))).toBe('milk:10');
    await client.close();
  });

  it('lists tools in registration order', async () => {
    const client = await createTestClient(app, { era });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['search_notes', 'no_args', 'raw_schema']);
    await client.close();
  });
});

describe.each(eras)('builder tool results and content kinds (%s era)', (era) => {
  const app = createServer({ name: 'content', version: '1.0.0' })
    .tool('returns_string', { description: 'A string', handler: () => 'plain text' })
    .tool('returns_block', { description: 'One block', handler: () => textContent('one block') })
    .tool('returns_image', { description: 'An image', handler: () => imageContent(PNG, 'image/png') })
    .tool('returns_array', {
      description: 'Every content kind',
      handler: () => [
        textContent('caption'),
        imageContent(PNG, 'image/png'),
        audioContent(WAV, 'audio/wav'),
        resourceContent({ uri: 'notes://1', mimeType: 'text/markdown', text: '# Note 1' }),
        resourceContent({ uri: 'files://logo.png', mimeType: 'image/png', blob: PNG }),
        resourceLink({ uri: 'notes://2', name: 'note-2', mimeType: 'text/markdown', description: 'Second' }),
      ],
    })
    .tool('returns_result', {
      description: 'A full CallToolResult',
      handler: () => ({
        content: [textContent('custom')],
        structuredContent: { custom: true },
        _meta: { 'com.example/trace': 'abc' },
      }),
    })
    .tool('returns_handler_error_result', {
      description: 'A CallToolResult that is already an error',
      handler: () => ({ content: [textContent('handled failure')], isError: true }),
    })
    .tool('returns_nothing', { description: 'Nothing', handler: () => undefined })
    .tool('returns_object_without_schema', {
      description: 'A plain object without an output schema',
      handler: () => ({ count: 3 }) as never,
    })
    .tool('returns_structured', {
      description: 'A structured value matching the output schema',
      input: z.object({ n: z.number() }),
      output: z.object({ square: z.number(), even: z.boolean() }),
      handler: async ({ n }) => ({ square: n * n, even: n % 2 === 0 }),
    })
    .tool('returns_structured_as_result', {
      description: 'A full result for an output-schema tool',
      output: z.object({ ok: z.boolean() }),
      handler: () => ({ content: [textContent('fine')], structuredContent: { ok: true } }),
    });

  it('wraps a returned string in one text block', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_string');
    expect(result.content).toEqual([{ type: 'text', text: 'plain text' }]);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toBeUndefined();
    await client.close();
  });

  it('wraps a returned content block in a one-element content array', async () => {
    const client = await createTestClient(app, { era });
    expect((await client.callTool('returns_block')).content).toEqual([{ type: 'text', text: 'one block' }]);
    expect((await client.callTool('returns_image')).content).toEqual([
      { type: 'image', data: PNG, mimeType: 'image/png' },
    ]);
    await client.close();
  });

  it('delivers text, image, audio, embedded text and blob resources and resource links in order', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_array');
    expect(result.content).toEqual([
      { type: 'text', text: 'caption' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'audio', data: WAV, mimeType: 'audio/wav' },
      { type: 'resource', resource: { uri: 'notes://1', mimeType: 'text/markdown', text: '# Note 1' } },
      { type: 'resource', resource: { uri: 'files://logo.png', mimeType: 'image/png', blob: PNG } },
      {
        type: 'resource_link',
        uri: 'notes://2',
        name: 'note-2',
        mimeType: 'text/markdown',
        description: 'Second',
      },
    ]);
    await client.close();
  });

  it('passes a returned CallToolResult through as it is', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_result');
    expect(result.content).toEqual([{ type: 'text', text: 'custom' }]);
    expect(result.structuredContent).toEqual({ custom: true });
    expect(result._meta).toMatchObject({ 'com.example/trace': 'abc' });
    await client.close();
  });

  it('keeps an isError result the handler built itself', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_handler_error_result');
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe('handled failure');
    await client.close();
  });

  it('answers an empty content array when the handler returns nothing', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_nothing');
    expect(result.content).toEqual([]);
    expect(result.isError).toBeFalsy();
    await client.close();
  });

  it('sends a returned structured value as structuredContent with a JSON text rendering', async () => {
    const client = await createTestClient(app, { era });
    await client.listTools();
    const result = await client.callTool('returns_structured', { n: 4 });
    expect(result.structuredContent).toEqual({ square: 16, even: true });
    expect(result.content).toEqual([{ type: 'text', text: '{"square":16,"even":true}' }]);
    await client.close();
  });

  it('treats a plain object from a tool without output schema as structured content', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.callTool('returns_object_without_schema');
    expect(result.structuredContent).toEqual({ count: 3 });
    expect(JSON.parse(resultText(result))).toEqual({ count: 3 });
    await client.close();
  });

  it('lets an output-schema tool return a full result with its own structuredContent', async () => {
    const client = await createTestClient(app, { era });
    await client.listTools();
    const result = await client.callTool('returns_structured_as_result');
    expect(result.structuredContent).toEqual({ ok: true });
    expect(resultText(result)).toBe('fine');
    await client.close();
  });
});

describe.each(eras)('builder resources (%s era)', (era) => {
  const notes: Record<string, Record<string, string>> = {
    alpha: { '1': 'first draft', '2': 'second draft' },
    beta: { '1': 'beta text' },
  };
  const app = createServer({ name: 'resources', version: '1.0.0' })
    .resource('config://app', {
      name: 'app-config',
      title: 'Application config',
      description: 'The running configuration',
      mimeType: 'application/json',
      size: 17,
      meta: { 'com.example/kind': 'config' },
      read: () => JSON.stringify({ mode: 'test' }),
    })
    .resource('files://logo.png', {
      name: 'logo',
      mimeType: 'image/png',
      read: () => ({ blob: PNG }),
    })
    .resource('files://readme', {
      name: 'readme',
      read: (uri) => ({ contents: [{ uri, mimeType: 'text/plain', text: 'hello' }] }),
    })
    .resource('notes://{id}/{rev}', {
      name: 'note-revision',
      description: 'One revision of a note',
      mimeType: 'text/plain',
      read: (uri, { id, rev }) => {
        const text = notes[id]?.[rev];
        if (text === undefined) throw new McpkitError('NOT_FOUND', `No note ${id}@${rev}`);
        return { text: `${uri} -> ${text}` };
      },
      complete: {
        id: (value) => Object.keys(notes).filter((id) => id.startsWith(value)),
        rev: (value, { arguments: args }) =>
          Object.keys(notes[args.id ?? ''] ?? {}).filter((rev) => rev.startsWith(value)),
      },
    })
    .resource('users://{name}', {
      name: 'user',
      read: (_uri, { name }) => `user ${name}`,
    });

  it('lists static resources with their metadata', async () => {
    const client = await createTestClient(app, { era });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['config://app', 'files://logo.png', 'files://readme']);
    expect(resources[0]).toMatchObject({
      uri: 'config://app',
      name: 'app-config',
      title: 'Application config',
      description: 'The running configuration',
      mimeType: 'application/json',
      size: 17,
      _meta: { 'com.example/kind': 'config' },
    });
    await client.close();
  });

  it('reads a text resource, filling in the URI and the registered MIME type', async () => {
    const client = await createTestClient(app, { era });
    const { contents } = await client.readResource('config://app');
    expect(contents).toEqual([
      { uri: 'config://app', mimeType: 'application/json', text: '{"mode":"test"}' },
    ]);
    await client.close();
  });

  it('reads a blob resource', async () => {
    const client = await createTestClient(app, { era });
    const { contents } = await client.readResource('files://logo.png');
    expect(contents).toEqual([{ uri: 'files://logo.png', mimeType: 'image/png', blob: PNG }]);
    await client.close();
  });

  it('passes a full ReadResourceResult from the reader through', async () => {
    const client = await createTestClient(app, { era });
    const { contents } = await client.readResource('files://readme');
    expect(contents).toEqual([{ uri: 'files://readme', mimeType: 'text/plain', text: 'hello' }]);
    await client.close();
  });

  it('lists URI templates separately from static resources', async () => {
    const client = await createTestClient(app, { era });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      {
        uriTemplate: 'notes://{id}/{rev}',
        name: 'note-revision',
        description: 'One revision of a note',
        mimeType: 'text/plain',
      },
      { uriTemplate: 'users://{name}', name: 'user' },
    ]);
    await client.close();
  });

  it('reads a templated URI, handing the reader its decoded variables', async () => {
    const client = await createTestClient(app, { era });
    const { contents } = await client.readResource('notes://alpha/2');
    expect(contents).toEqual([
      { uri: 'notes://alpha/2', mimeType: 'text/plain', text: 'notes://alpha/2 -> second draft' },
    ]);
    const user = await client.readResource('users://Ada%20Lovelace');
    expect(user.contents[0]).toMatchObject({ text: 'user Ada Lovelace' });
    await client.close();
  });

  it('completes template variables, using earlier variables as context', async () => {
    const client = await createTestClient(app, { era });
    const ids = await client.complete(
      { type: 'ref/resource', uri: 'notes://{id}/{rev}' },
      { name: 'id', value: 'a' },
    );
    expect(ids).toEqual({ values: ['alpha'], total: 1, hasMore: false });
    const revs = await client.client.complete({
      ref: { type: 'ref/resource', uri: 'notes://{id}/{rev}' },
      argument: { name: 'rev', value: '' },
      context: { arguments: { id: 'alpha' } },
    });
    expect(revs.completion.values).toEqual(['1', '2']);
    await client.close();
  });

  it('completes a variable without a completer to an empty list', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.complete(
      { type: 'ref/resource', uri: 'users://{name}' },
      { name: 'name', value: 'x' },
    );
    expect(result.values).toEqual([]);
    await client.close();
  });

  it('advertises resources and completions in its capabilities', async () => {
    const client = await createTestClient(app, { era });
    const capabilities = client.client.getServerCapabilities();
    expect(capabilities?.resources).toMatchObject({ subscribe: true, listChanged: true });
    expect(capabilities?.completions).toEqual({});
    expect(capabilities?.tools).toBeUndefined();
    await client.close();
  });
});

describe.each(eras)('builder prompts (%s era)', (era) => {
  const languages = ['typescript', 'python', 'go', 'rust'];
  const app = createServer({ name: 'prompts', version: '1.0.0' })
    .prompt('code_review', {
      title: 'Code review',
      description: 'Reviews a piece of code',
      args: z.object({
        code: z.string().describe('The code to review'),
        language: z.string().optional().describe('Programming language'),
      }),
      complete: {
        language: (value) => languages.filter((l) => l.startsWith(value)),
      },
      get: ({ code, language }) => `Review this ${language ?? 'code'}:\n${code}`,
    })
    .prompt('greeting', {
      description: 'Says hello in messages',
      get: () => [
        { role: 'user', content: { type: 'text', text: 'Hello' } },
        { role: 'assistant', content: { type: 'text', text: 'Hi there' } },
      ],
    })
    .prompt('full', {
      description: 'Returns a full result',
      get: () => ({
        description: 'custom description',
        messages: [{ role: 'user', content: { type: 'text', text: 'full result' } }],
      }),
    })
    .prompt('many', {
      description: 'Many completion candidates',
      args: z.object({ n: z.string() }),
      complete: { n: () => Array.from({ length: 150 }, (_, i) => String(i)) },
      get: ({ n }) => n,
    });

  it('lists prompts with name, title, description and arguments marked required or not', async () => {
    const client = await createTestClient(app, { era });
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['code_review', 'greeting', 'full', 'many']);
    expect(prompts[0]).toEqual({
      name: 'code_review',
      title: 'Code review',
      description: 'Reviews a piece of code',
      arguments: [
        { name: 'code', description: 'The code to review', required: true },
        { name: 'language', description: 'Programming language', required: false },
      ],
    });
    expect(prompts[1]).toEqual({ name: 'greeting', description: 'Says hello in messages' });
    await client.close();
  });

  it('renders a prompt returning a string as one user message with the prompt description', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.getPrompt('code_review', { code: 'let x = 1', language: 'typescript' });
    expect(result.description).toBe('Reviews a piece of code');
    expect(result.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Review this typescript:\nlet x = 1' } },
    ]);
    const noLanguage = await client.getPrompt('code_review', { code: 'x' });
    expect(noLanguage.messages[0]?.content).toEqual({ type: 'text', text: 'Review this code:\nx' });
    await client.close();
  });

  it('passes message arrays and full results through', async () => {
    const client = await createTestClient(app, { era });
    const greeting = await client.getPrompt('greeting');
    expect(greeting.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const full = await client.getPrompt('full');
    expect(full.description).toBe('custom description');
    expect(full.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'full result' } }]);
    await client.close();
  });

  it('rejects a prompt call missing a required argument with a JSON-RPC error naming it', async () => {
    const client = await createTestClient(app, { era });
    await expect(client.getPrompt('code_review', {})).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('code'),
    });
    await client.close();
  });

  it('completes prompt arguments', async () => {
    const client = await createTestClient(app, { era });
    expect(
      await client.complete({ type: 'ref/prompt', name: 'code_review' }, { name: 'language', value: 'p' }),
    ).toEqual({
      values: ['python'],
      total: 1,
      hasMore: false,
    });
    const none = await client.complete(
      { type: 'ref/prompt', name: 'code_review' },
      { name: 'code', value: '' },
    );
    expect(none.values).toEqual([]);
    await client.close();
  });

  it('caps completion values at 100 and reports the total and that more exist', async () => {
    const client = await createTestClient(app, { era });
    const result = await client.complete({ type: 'ref/prompt', name: 'many' }, { name: 'n', value: '' });
    expect(result.values).toHaveLength(100);
    expect(result.total).toBe(150);
    expect(result.hasMore).toBe(true);
    await client.close();
  });

  it('advertises prompts and completions but not tools or resources', async () => {
    const client = await createTestClient(app, { era });
    const capabilities = client.client.getServerCapabilities();
    expect(capabilities?.prompts).toEqual({ listChanged: true });
    expect(capabilities?.completions).toEqual({});
    expect(capabilities?.tools).toBeUndefined();
    expect(capabilities?.resources).toBeUndefined();
    await client.close();
  });
});

describe('builder registration rules', () => {
  const noop = { description: 'noop', handler: () => 'ok' };

  it.each([
    ['an empty name', ''],
    ['a space', 'has space'],
    ['a slash', 'slash/name'],
    ['an emoji', 'emoji😀'],
    ['129 characters', 'x'.repeat(129)],
  ])('refuses a tool name with %s with VALIDATION_FAILED', (_label, name) => {
    const error = thrown(() => createServer({ name: 's', version: '1' }).tool(name, noop));
    expect(error).toBeInstanceOf(McpkitError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('Invalid tool name'),
    });
  });

  it('accepts names made of letters, digits, underscore, dash and dot up to 128 characters', () => {
    const builder = createServer({ name: 's', version: '1' });
    expect(() => builder.tool('a.b-c_D9', noop).tool('y'.repeat(128), noop)).not.toThrow();
    expect(builder.build().registry.tools.size).toBe(2);
  });

  it('refuses a duplicate tool name with CONFLICT at registration', () => {
    const builder = createServer({ name: 's', version: '1' }).tool('dup', noop);
    const error = thrown(() => builder.tool('dup', noop));
    expect(error).toBeInstanceOf(McpkitError);
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"dup"') });
  });

  it('refuses duplicate resources, templates and prompts with CONFLICT', () => {
    const builder = createServer({ name: 's', version: '1' })
      .resource('a://x', { name: 'x', read: () => 'x' })
      .resource('a://{id}', { name: 'y', read: () => 'y' })
      .prompt('p', { description: 'p', get: () => 'p' });
    expect(thrown(() => builder.resource('a://x', { name: 'x2', read: () => 'x' }))).toMatchObject({
      code: 'CONFLICT',
    });
    expect(thrown(() => builder.resource('a://{id}', { name: 'y2', read: () => 'y' }))).toMatchObject({
      code: 'CONFLICT',
    });
    expect(thrown(() => builder.prompt('p', { description: 'p', get: () => 'p' }))).toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('refuses every registration after build with CONFLICT and a hint', () => {
    const builder = createServer({ name: 's', version: '1' }).tool('first', noop);
    builder.build();
    const attempts: Array<() => unknown> = [
      () => builder.tool('late', noop),
      () => builder.resource('late://x', { name: 'late', read: () => 'x' }),
      () => builder.prompt('late', { description: 'late', get: () => 'x' }),
      () => builder.use(async (_ctx, next) => next()),
      () => builder.use('tools/call', async (_ctx, next) => next()),
      () => builder.health('late', () => true),
    ];
    for (const attempt of attempts) {
      const error = thrown(attempt);
      expect(error).toBeInstanceOf(McpkitError);
      expect(error).toMatchObject({ code: 'CONFLICT', hint: expect.stringContaining('before') });
    }
  });

  it('builds once: build() returns the same frozen server every time', () => {
    const builder = createServer({ name: 's', version: '1' }).tool('t', noop);
    const server = builder.build();
    expect(builder.build()).toBe(server);
    expect(Object.isFrozen(server.registry)).toBe(true);
    expect(Object.isFrozen(server.registry.toolList)).toBe(true);
  });

  it('refuses a zod input schema that does not describe an object when building', () => {
    const builder = createServer({ name: 's', version: '1' }).tool('scalar', {
      description: 'bad schema',
      input: z.string(),
      handler: () => 'x',
    });
    expect(thrown(() => builder.build())).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('builder health checks', () => {
  it('runs registered checks and reports each with the server version', async () => {
    const server = createServer({ name: 'health', version: '3.1.4' })
      .health('db', () => true)
      .health('cache', async () => ({ healthy: true, details: { hits: 3 } }))
      .build();
    const report = await server.checkHealth();
    expect(report.healthy).toBe(true);
    expect(report.version).toBe('3.1.4');
    expect(Object.keys(report.checks)).toEqual(['db', 'cache']);
    expect(report.checks.cache).toMatchObject({ healthy: true, details: { hits: 3 } });
    expect(report.checks.db?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('is not ready when any check fails, returns false or throws', async () => {
    const server = createServer({ name: 'health', version: '1.0.0' })
      .health('ok', () => undefined)
      .health('down', () => false)
      .health('broken', () => {
        throw new Error('connection refused');
      })
      .build();
    const report = await server.checkHealth();
    expect(report.healthy).toBe(false);
    expect(report.checks.ok?.healthy).toBe(true);
    expect(report.checks.down?.healthy).toBe(false);
    expect(report.checks.broken).toMatchObject({ healthy: false, error: 'connection refused' });
  });

  it('is ready with no checks registered', async () => {
    const report = await createServer({ name: 'h', version: '1' }).build().checkHealth();
    expect(report).toEqual({ healthy: true, version: '1', checks: {} });
  });
});

describe.each(eras)('builder server identity (%s era)', (era) => {
  it('reports name, version, title and instructions to the client', async () => {
    const app = createServer({
      name: 'identity',
      version: '9.9.9',
      title: 'Identity server',
      instructions: 'Use the tools wisely.',
    }).tool('t', { description: 't', handler: () => 'ok' });
    const client = await createTestClient(app, { era });
    expect(client.era).toBe(era);
    expect(client.client.getServerVersion()).toMatchObject({
      name: 'identity',
      version: '9.9.9',
      title: 'Identity server',
    });
    expect(client.client.getInstructions()).toBe('Use the tools wisely.');
    expect(client.client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
    await client.close();
  });
});

describe('builder cache hints', () => {
  const app = createServer({ name: 'hints', version: '1.0.0', listTtlMs: 30_000 })
    .tool('t', { description: 't', handler: () => 't' })
    .prompt('p', { description: 'p', get: () => 'p' })
    .resource('config://app', { name: 'config', ttlMs: 60_000, read: () => 'cfg' })
    .resource('live://feed', { name: 'feed', read: () => 'now' });

  it('stamps modern list results with listTtlMs and a cache scope', async () => {
    const client = await createTestClient(app, { era: 'modern' });
    for (const result of [
      await client.listTools(),
      await client.listPrompts(),
      await client.listResources(),
    ]) {
      expect(result).toMatchObject({ ttlMs: 30_000, cacheScope: 'public' });
    }
    await client.close();
  });

  it("uses a resource's ttlMs as the cache hint of its modern-era reads", async () => {
    const client = await createTestClient(app, { era: 'modern' });
    expect(await client.readResource('config://app')).toMatchObject({ ttlMs: 60_000 });
    await client.close();
  });

  it('does not cache reads of a resource without ttlMs', async () => {
    const client = await createTestClient(app, { era: 'modern' });
    expect(await client.readResource('live://feed')).toMatchObject({ ttlMs: 0 });
    await client.close();
  });

  it('adds no cache hints to legacy results', async () => {
    const client = await createTestClient(app, { era: 'legacy' });
    const tools = await client.listTools();
    expect(tools).not.toHaveProperty('ttlMs');
    expect(tools).not.toHaveProperty('resultType');
    expect(await client.readResource('config://app')).not.toHaveProperty('ttlMs');
    await client.close();
  });
});

describe('builder change notifications', () => {
  const build = () =>
    createServer({ name: 'changes', version: '1.0.0' })
      .tool('t', { description: 't', handler: () => 't' })
      .resource('docs://{id}', { name: 'doc', read: () => 'doc' })
      .build();

  it('tells an initialized legacy client that lists changed', async () => {
    const server = build();
    const client = await createTestClient(server, { era: 'legacy' });
    server.notifyToolsChanged();
    server.notifyPromptsChanged();
    server.notifyResourcesChanged();
    await vi.waitFor(() => expect(client.notifications).toHaveLength(3));
    expect(client.notifications.map((n) => n.method)).toEqual([
      'notifications/tools/list_changed',
      'notifications/prompts/list_changed',
      'notifications/resources/list_changed',
    ]);
    await client.close();
  });

  it('sends resource updates only for URIs the legacy client subscribed to', async () => {
    const server = build();
    const client = await createTestClient(server, { era: 'legacy' });
    await client.client.subscribeResource({ uri: 'docs://1' });
    server.notifyResourceUpdated('docs://2');
    server.notifyResourceUpdated('docs://1');
    await vi.waitFor(() => expect(client.notifications).toHaveLength(1));
    expect(client.notifications[0]).toEqual({
      method: 'notifications/resources/updated',
      params: { uri: 'docs://1' },
    });
    await client.client.unsubscribeResource({ uri: 'docs://1' });
    server.notifyResourceUpdated('docs://1');
    server.notifyToolsChanged();
    await vi.waitFor(() => expect(client.notifications).toHaveLength(2));
    expect(client.notifications[1]?.method).toBe('notifications/tools/list_changed');
    await client.close();
  });

  it('does not push list changes on a modern connection outside subscriptions/listen', async () => {
    const server = build();
    const client = await createTestClient(server, { era: 'modern' });
    server.notifyToolsChanged();
    // A full request round trip drains anything the server had queued before it.
    await client.listTools();
    expect(client.notifications).toEqual([]);
    await client.close();
  });
});

describe('descriptions are required, as the types and the README say', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('refuses a tool whose description is %s, naming the tool', (_, description) => {
    const error = thrown(() =>
      createServer({ name: 'd', version: '1' }).tool('undescribed', {
        description: description as string,
        handler: () => 'ok',
      }),
    ) as McpkitError;
    expect(error).toBeInstanceOf(McpkitError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('Tool "undescribed" has no description.');
    expect(error.hint).toContain('description:');
    expect(error.details).toEqual({ tool: 'undescribed' });
  });

  it('refuses a prompt without a description, naming the prompt', () => {
    const error = thrown(() =>
      createServer({ name: 'd', version: '1' }).prompt('undescribed', {
        description: undefined as unknown as string,
        get: () => 'text',
      }),
    ) as McpkitError;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('Prompt "undescribed" has no description.');
  });
});
