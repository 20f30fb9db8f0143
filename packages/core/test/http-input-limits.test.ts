import { createLogger, createServer, type ParamLimits } from '@mcpkit/core';
import { serveForTest, type TestServer } from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { postInitialize, postLegacy, postModern, type WireMessage } from './fixtures/http-wire.js';

let server: TestServer | undefined;
let lines: Array<{ level: string; requestId?: string; msg?: string }> = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  lines = [];
});

async function serve(limits?: ParamLimits): Promise<string> {
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  server = await serveForTest(
    createServer({ name: 'limits', version: '1.0.0', logger, ...(limits ? { requestLimits: limits } : {}) })
      .tool('echo', { description: 'Echoes', handler: () => 'echo' })
      .resource('test://template/{id}/data', {
        name: 'template',
        description: 'Templated',
        read: (_uri, { id }) => id,
      })
      .prompt('greet', { description: 'Greets', get: () => 'hello' }),
  );
  return server.url;
}

const HUGE_URI = `test://template/${'a'.repeat(1_000_000)}/data`;

describe('length limits on what a request names', () => {
  it('answers a legacy resources/read of a 1,000,000-character URI with -32602, not a server fault', async () => {
    const url = await serve();
    const response = await postLegacy(url, 41, 'resources/read', { uri: HUGE_URI });
    const body = (await response.json()) as WireMessage;
    expect(body).toMatchObject({ id: 41, error: { code: -32602 } });
    expect(body.error?.message).toMatch(/"uri" is 1000021 characters long; the limit is 8192/);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('refuses over-long tool names, prompt names and cursors with -32602 in both eras', async () => {
    const url = await serve();
    const answers = [
      await postLegacy(url, 1, 'tools/call', { name: 'x'.repeat(100_000), arguments: {} }),
      await postLegacy(url, 2, 'prompts/get', { name: 'p'.repeat(300) }),
      await postLegacy(url, 3, 'tools/list', { cursor: 'c'.repeat(5_000) }),
      await postModern(url, 4, 'resources/list', { cursor: 'c'.repeat(5_000) }),
      await postModern(url, 5, 'resources/read', { uri: `test://template/${'b'.repeat(3_000)}/data` }),
    ];
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as WireMessage[];
    expect(bodies.map((b) => [b.id, b.error?.code])).toEqual([
      [1, -32602],
      [2, -32602],
      [3, -32602],
      [4, -32602],
      // Under the URI limit: served as usual.
      [5, undefined],
    ]);
    // No error echoes the whole value back.
    for (const body of bodies.slice(0, 4)) expect(JSON.stringify(body).length).toBeLessThan(1_000);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('bounds the subscriptions one legacy session keeps', async () => {
    const logger = createLogger({ level: 'silent' });
    server = await serveForTest(
      createServer({
        name: 'limits',
        version: '1.0.0',
        logger,
        requestLimits: { maxSubscriptions: 2 },
      }).resource('test://template/{id}/data', {
        name: 'template',
        description: 'Templated',
        read: (_uri, { id }) => id,
      }),
      { sessions: true },
    );
    const init = await postInitialize(server.url);
    const session = init.headers.get('mcp-session-id') as string;
    const subscribe = async (id: number, uri: string) =>
      (await (
        await postLegacy(server!.url, id, 'resources/subscribe', { uri }, session)
      ).json()) as WireMessage;
    expect((await subscribe(1, 'test://template/1/data')).result).toEqual({});
    expect((await subscribe(2, 'test://template/2/data')).result).toEqual({});
    expect((await subscribe(3, 'test://template/2/data')).result).toEqual({});
    expect((await subscribe(4, 'test://template/3/data')).error).toMatchObject({
      code: -32602,
      data: { limit: 2 },
    });
  });

  it('takes its limits from createServer({ requestLimits })', async () => {
    const url = await serve({ maxUriLength: 40 });
    const refused = (await (
      await postLegacy(url, 1, 'resources/read', { uri: `test://template/${'z'.repeat(30)}/data` })
    ).json()) as WireMessage;
    expect(refused.error).toMatchObject({ code: -32602, data: { limit: 40 } });
    const served = (await (
      await postLegacy(url, 2, 'resources/read', { uri: 'test://template/7/data' })
    ).json()) as WireMessage;
    expect(served.result).toMatchObject({ contents: [{ text: '7' }] });
  });
});
