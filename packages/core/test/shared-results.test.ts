import { createServer } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { SharedResults } from '../src/engine/shared-results.js';
import { postLegacy, postModern } from './fixtures/http-wire.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function app() {
  let builder = createServer({ name: 'lists', version: '1.0.0' })
    .resource('note://one', { name: 'one', description: 'The first note', read: () => 'one' })
    .resource('note://{id}', { name: 'note', description: 'A note by id', read: () => 'x' })
    .prompt('hello', { description: 'Says hello', get: () => 'Hello!' });
  for (let i = 0; i < 30; i++) {
    builder = builder.tool(`tool_${i}`, {
      description: `Tool number ${i}`,
      input: z.object({ q: z.string() }),
      handler: () => 'ok',
    });
  }
  return builder;
}

describe('list results served from bytes serialized once', () => {
  it('answers tools/list and the other lists the same in both eras, request after request', async () => {
    server = await serveForTest(app());
    for (const id of [1, 'two', 3]) {
      const legacy = await (await postLegacy(server.url, id, 'tools/list')).json();
      expect(legacy.id).toBe(id);
      expect(legacy.result.tools).toHaveLength(30);
      expect(legacy.result.tools[7]).toEqual({
        name: 'tool_7',
        description: 'Tool number 7',
        inputSchema: expect.objectContaining({ type: 'object', required: ['q'] }),
      });
      expect(legacy.result.resultType).toBeUndefined();
      const modern = await (await postModern(server.url, id, 'tools/list')).json();
      expect(modern.id).toBe(id);
      expect(modern.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'public' });
      expect(modern.result._meta['io.modelcontextprotocol/serverInfo']).toEqual({
        name: 'lists',
        version: '1.0.0',
      });
      expect(modern.result.tools).toEqual(legacy.result.tools);
    }
    const resources = await (await postModern(server.url, 4, 'resources/list')).json();
    expect(resources.result.resources).toEqual([
      { uri: 'note://one', name: 'one', description: 'The first note' },
    ]);
    const templates = await (await postLegacy(server.url, 5, 'resources/templates/list')).json();
    expect(templates.result.resourceTemplates).toEqual([
      { uriTemplate: 'note://{id}', name: 'note', description: 'A note by id' },
    ]);
    const prompts = await (await postLegacy(server.url, 6, 'prompts/list')).json();
    expect(prompts.result.prompts).toEqual([{ name: 'hello', description: 'Says hello' }]);
  });

  it('serializes a list a middleware changed per request, as any other result', async () => {
    let visible = 2;
    server = await serveForTest(
      app().use('tools/list', async (_ctx, next) => {
        const result = await next();
        return { ...result, tools: result.tools.slice(0, visible) };
      }),
    );
    const first = await (await postModern(server.url, 1, 'tools/list')).json();
    expect(first.result.tools.map((t: { name: string }) => t.name)).toEqual(['tool_0', 'tool_1']);
    visible = 1;
    const second = await (await postLegacy(server.url, 2, 'tools/list')).json();
    expect(second.result.tools.map((t: { name: string }) => t.name)).toEqual(['tool_0']);
  });

  it('refuses a middleware that changes the shared list in place, instead of serving it to everyone', async () => {
    server = await serveForTest(
      app().use('tools/list', async (_ctx, next) => {
        const result = await next();
        (result as { nextCursor?: string }).nextCursor = 'changed';
        return result;
      }),
    );
    const response = await (await postLegacy(server.url, 1, 'tools/list')).json();
    expect(response.error).toMatchObject({ code: -32603 });
    const again = await (await postLegacy(server.url, 2, 'tools/list')).json();
    expect(again.error).toMatchObject({ code: -32603 });
  });
});

describe('SharedResults', () => {
  it('serializes a shared result once, keeps its modern shape, and ignores results it was not given', () => {
    const shared = new SharedResults();
    let serialized = 0;
    const list = shared.share({ items: [{ toJSON: () => ++serialized }] });
    expect(Object.isFrozen(list)).toBe(true);
    const text = (result: object) => new TextDecoder().decode(shared.bytesOf(result));
    expect(text(list)).toBe('{"items":[1]}');
    expect(shared.bytesOf(list)).toBe(shared.bytesOf(list));
    expect(text(list)).toBe('{"items":[1]}');
    expect(serialized).toBe(1);
    const modern = shared.forEra(list, 'modern', (r) => ({ resultType: 'complete', ...r }));
    expect(shared.forEra(list, 'modern', () => ({}))).toBe(modern);
    expect(shared.forEra(list, 'legacy', () => ({}))).toBe(list);
    expect(text(modern)).toBe('{"resultType":"complete","items":[2]}');
    expect(shared.bytesOf({ items: [] })).toBeUndefined();
  });
});
