import { randomUUID } from 'node:crypto';
import { createServer } from '@mcpkit/core';
import { requestId } from '@mcpkit/middleware';
import {
  connectTestClient,
  createTestClient,
  resultText,
  serveForTest,
  type TestServer,
} from '@mcpkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingFetch } from '../fixtures/capture-logger.js';

/** Core's generated ids: a random per-process prefix, a dash, a base-36 counter. */
const CORE_ID = /^[A-Za-z0-9_-]+-[0-9a-z]+$/;

let served: TestServer | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const makeServer = (options?: Parameters<typeof requestId>[0]) =>
  createServer({ name: 'ids', version: '1.0.0' })
    .use(requestId(options))
    .tool('whoami', { description: 'Returns the request id', handler: (_args, ctx) => ctx.requestId });

async function callOnce(
  options: Parameters<typeof requestId>[0],
  headers: Record<string, string>,
): Promise<{ id: string; responses: Headers[] }> {
  served = await serveForTest(makeServer(options));
  const responses: Headers[] = [];
  const client = await connectTestClient(served.url, { headers, fetch: recordingFetch(responses) });
  const id = resultText(await client.callTool('whoami'));
  await client.close();
  return { id, responses };
}

describe('requestId()', () => {
  it('keeps a valid incoming X-Request-Id, exposes it on ctx and echoes it on the response', async () => {
    const { id, responses } = await callOnce(undefined, { 'x-request-id': 'trace-abc.123:x' });
    expect(id).toBe('trace-abc.123:x');
    expect(responses.at(-1)?.get('x-request-id')).toBe('trace-abc.123:x');
  });

  it('replaces an id with forbidden characters by a generated one in core format', async () => {
    const { id, responses } = await callOnce(undefined, { 'x-request-id': 'bad id;rm -rf' });
    expect(id).toMatch(CORE_ID);
    expect(responses.at(-1)?.get('x-request-id')).toBe(id);
  });

  it('replaces an id longer than maxLength, with an id in core format unless told otherwise', async () => {
    const { id } = await callOnce({ maxLength: 16 }, { 'x-request-id': 'a'.repeat(17) });
    expect(id).toMatch(CORE_ID);
    const uuid = await callOnce({ maxLength: 16, generate: randomUUID }, { 'x-request-id': 'a'.repeat(17) });
    expect(uuid.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('with its defaults behaves exactly as core does without it', async () => {
    const withPlugin = await callOnce(undefined, { 'x-request-id': `ok-${'x'.repeat(125)}` });
    await served?.close();
    served = await serveForTest(
      createServer({ name: 'ids', version: '1.0.0' }).tool('whoami', {
        description: 'Returns the request id',
        handler: (_args, ctx) => ctx.requestId,
      }),
    );
    const client = await connectTestClient(served.url, {
      headers: { 'x-request-id': `ok-${'x'.repeat(125)}` },
    });
    const without = resultText(await client.callTool('whoami'));
    await client.close();
    expect(withPlugin.id).toBe(`ok-${'x'.repeat(125)}`);
    expect(without).toBe(withPlugin.id);
    // One character more is over the limit for both, and both answer with a generated id.
    const tooLong = await callOnce(undefined, { 'x-request-id': `ok-${'x'.repeat(126)}` });
    expect(tooLong.id).toMatch(CORE_ID);
  });

  it('generates a fresh id per request when none is sent, with a custom generator', async () => {
    let n = 0;
    served = await serveForTest(makeServer({ generate: () => `gen-${++n}` }));
    const client = await connectTestClient(served.url);
    const first = resultText(await client.callTool('whoami'));
    const second = resultText(await client.callTool('whoami'));
    await client.close();
    expect(first).toMatch(/^gen-\d+$/);
    expect(second).toMatch(/^gen-\d+$/);
    expect(second).not.toBe(first);
  });

  it('reads and echoes a custom header name', async () => {
    const { id, responses } = await callOnce(
      { header: 'X-Correlation-Id' },
      { 'x-correlation-id': 'corr-7' },
    );
    expect(id).toBe('corr-7');
    expect(responses.at(-1)?.get('x-correlation-id')).toBe('corr-7');
  });

  it('ignores incoming ids when trustIncoming is false', async () => {
    const { id } = await callOnce({ trustIncoming: false }, { 'x-request-id': 'caller-chosen' });
    expect(id).not.toBe('caller-chosen');
  });

  it('leaves in-process calls to core generated ids', async () => {
    const client = await createTestClient(makeServer());
    expect(resultText(await client.callTool('whoami'))).toMatch(/\S+/);
    await client.close();
  });
});
