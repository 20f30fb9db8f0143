// Seeded fuzzing of the Streamable HTTP endpoint with malformed JSON-RPC, in both eras, over a
// real socket: every JSON-RPC error must carry an `id` member (the request's, or null when it
// cannot be read), malformed input is never called a server fault (-32603), and nothing crashes.
import { createLogger, createServer } from '@mcpkit/core';
import { seededRandom, serveForTest, type TestServer } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envelope, legacyHeaders, MODERN_VERSION, modernHeaders, post } from './fixtures/http-wire.js';

type Era = 'legacy' | 'modern';

/** One fuzzed HTTP request: the raw body and the headers it goes with. */
interface Case {
  era: Era;
  kind: string;
  body: string;
  headers: Record<string, string>;
}

const METHODS = [
  'tools/call',
  'tools/list',
  'resources/read',
  'resources/list',
  'resources/templates/list',
  'resources/subscribe',
  'prompts/get',
  'prompts/list',
  'completion/complete',
  'logging/setLevel',
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'no/such/method',
];

class Fuzzer {
  constructor(readonly random: () => number) {}

  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  long(length: number): string {
    return String.fromCharCode(97 + this.int(26)).repeat(length);
  }
  /** A JSON value of any type, sometimes huge or oddly shaped. */
  junk(depth = 0): unknown {
    switch (this.int(depth > 2 ? 7 : 10)) {
      case 0:
        return null;
      case 1:
        return this.random() < 0.5;
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
      case 3:
        return this.pick(['', ' ', '\u0000', 'x'.repeat(300), '../../etc/passwd', '{{id}}', '\ud800']);
      case 4:
        return this.long(this.pick([1, 300, 9_000, 200_000]));
      case 5:
        return 'test://template/%E0%A4%A/data';
      case 6:
        return this.pick(['__proto__', 'constructor', 'toString']);
      case 7:
        return [this.junk(depth + 1), this.junk(depth + 1)];
      default:
        return { [this.pick(['name', 'uri', 'cursor', '__proto__', 'arguments'])]: this.junk(depth + 1) };
    }
  }
  /** Params that are wrong for `method` in some way. */
  params(method: string): unknown {
    switch (this.int(8)) {
      case 0:
        return this.junk();
      case 1:
        return [];
      case 2:
        return { name: this.junk(), arguments: this.junk() };
      case 3:
        return { uri: this.junk() };
      case 4:
        return { cursor: this.junk() };
      case 5:
        return { name: this.long(this.pick([257, 5_000, 500_000])), arguments: {} };
      case 6:
        return { uri: `test://template/${this.long(this.pick([9_000, 1_000_000]))}/data` };
      default:
        return method === 'completion/complete'
          ? { ref: this.junk(), argument: this.junk() }
          : { level: this.junk(), ref: { type: 'ref/prompt', name: this.junk() } };
    }
  }
  id(): unknown {
    return this.pick([1, 'a', 0, -7, 'x'.repeat(200), 1.5, null, {}, [], true, undefined]);
  }
  /** A message object with one or more parts broken. */
  message(era: Era): Record<string, unknown> {
    const method = this.pick(METHODS);
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: this.int(1_000), method };
    const breaks = 1 + this.int(3);
    for (let i = 0; i < breaks; i++) {
      switch (this.int(6)) {
        case 0:
          message.jsonrpc = this.pick([undefined, '1.0', 2, null, '2.0 ']);
          break;
        case 1:
          message.id = this.id();
          break;
        case 2:
          message.method = this.pick([undefined, 7, '', null, this.long(1_000)]);
          break;
        case 3:
          message.params = this.params(method);
          break;
        case 4:
          delete message.id;
          message.result = this.junk();
          break;
        default:
          message.params = this.params(method);
          break;
      }
    }
    if (era === 'modern' && this.random() < 0.7) {
      const params = message.params;
      const meta = this.random() < 0.6 ? envelope() : this.junk();
      if (typeof params === 'object' && params !== null && !Array.isArray(params)) {
        (params as Record<string, unknown>)._meta = meta;
      } else if (params === undefined) {
        message.params = { _meta: meta };
      }
    }
    return message;
  }
  headers(era: Era, message: Record<string, unknown> | undefined): Record<string, string> {
    const method = typeof message?.method === 'string' ? message.method : 'tools/list';
    const params =
      typeof message?.params === 'object' && message.params !== null
        ? (message.params as Record<string, unknown>)
        : {};
    const headers = era === 'modern' ? modernHeaders(method, params) : legacyHeaders();
    for (const [name, value] of Object.entries(headers)) {
      if (Buffer.byteLength(value) > 4_000) delete headers[name];
    }
    if (this.random() < 0.15) {
      headers['mcp-protocol-version'] = this.pick(['1999-01-01', 'garbage', MODERN_VERSION, '']);
    }
    if (era === 'modern' && this.random() < 0.15) headers['mcp-method'] = this.pick(['tools/call', 'x', '']);
    if (this.random() < 0.05) headers['mcp-session-id'] = 'no-such-session';
    return headers;
  }

  case(era: Era): Case {
    const roll = this.int(10);
    if (roll === 0) {
      const text = JSON.stringify(this.message(era));
      const body = this.pick([
        text.slice(0, this.int(text.length)),
        `${text}}`,
        `{"jsonrpc":"2.0","id":${this.int(9)},"method":`,
        '\u0000\u0001garbage',
        '',
        '[',
        `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
        'NaN',
      ]);
      return { era, kind: 'invalid JSON', body, headers: this.headers(era, undefined) };
    }
    if (roll === 1) {
      const batch = Array.from({ length: this.int(4) }, () => this.message(era));
      return { era, kind: 'batch', body: JSON.stringify(batch), headers: this.headers(era, batch[0]) };
    }
    if (roll === 2) {
      const value = this.pick([0, 'text', null, true, [], {}]);
      return {
        era,
        kind: 'not an object',
        body: JSON.stringify(value),
        headers: this.headers(era, undefined),
      };
    }
    const message = this.message(era);
    return {
      era,
      kind: 'broken message',
      body: JSON.stringify(message),
      headers: this.headers(era, message),
    };
  }
}

const SEED = 0x5eed_2026;
const PER_ERA = 1_100;

let server: TestServer;
const errorLines: string[] = [];

beforeAll(async () => {
  const logger = createLogger({
    level: 'warn',
    write: (line) => {
      if (line.includes('"level":"error"')) errorLines.push(line.slice(0, 500));
    },
  });
  server = await serveForTest(
    createServer({ name: 'fuzz', version: '1.0.0', logger })
      .tool('echo', {
        description: 'Echoes its text',
        input: z.object({ text: z.string() }),
        handler: ({ text }) => text,
      })
      .resource('test://static', { name: 'static', description: 'Static text', read: () => 'static' })
      .resource('test://template/{id}/data', {
        name: 'template',
        description: 'Templated text',
        read: (_uri, { id }) => `data ${id}`,
      })
      .prompt('greet', { description: 'Greets', get: () => 'hello' }),
  );
});

afterAll(async () => {
  await server?.close();
});

describe('fuzzing the HTTP endpoint with malformed JSON-RPC (seeded)', () => {
  it(`answers ${2 * PER_ERA} malformed messages in both eras with an id on every error, no -32603 and no crash`, async () => {
    const fuzz = new Fuzzer(seededRandom(SEED));
    const cases: Case[] = [];
    for (let i = 0; i < PER_ERA; i++) cases.push(fuzz.case('legacy'), fuzz.case('modern'));

    const missingId: string[] = [];
    const internal: string[] = [];
    const serverErrors: string[] = [];
    const failures: string[] = [];
    let rpcErrors = 0;
    const statuses = new Map<number, number>();
    for (let start = 0; start < cases.length; start += 25) {
      await Promise.all(
        cases.slice(start, start + 25).map(async (c, offset) => {
          const label = `#${start + offset} ${c.era} ${c.kind}: ${c.body.slice(0, 120)}`;
          let response: Response;
          try {
            response = await post(server.url, c.body, c.headers);
          } catch (error) {
            failures.push(`${label} → ${String(error)}`);
            return;
          }
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) serverErrors.push(`${label} → ${response.status}`);
          const text = await response.text();
          if (!(response.headers.get('content-type') ?? '').startsWith('application/json') || text === '') {
            return;
          }
          const body = JSON.parse(text) as Record<string, unknown>;
          if (!('error' in body)) return;
          rpcErrors++;
          if (!Object.hasOwn(body, 'id')) missingId.push(label);
          if ((body.error as { code?: number }).code === -32603)
            internal.push(`${label} → ${text.slice(0, 200)}`);
        }),
      );
    }

    expect(failures).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(missingId).toEqual([]);
    expect(internal).toEqual([]);
    expect(errorLines).toEqual([]);
    // The run must exercise the error paths, not slip past them.
    expect(rpcErrors).toBeGreaterThan(cases.length / 2);

    const alive = await post(
      server.url,
      {
        jsonrpc: '2.0',
        id: 'alive',
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'ok' } },
      },
      legacyHeaders(),
    );
    expect(await alive.json()).toMatchObject({ id: 'alive', result: { content: [{ text: 'ok' }] } });
  });
});
