import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import { concurrency } from '../src/index.js';

expect.extend(mcpkitMatchers);

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('concurrency', () => {
  it('runs two at once, queues two, and refuses the fifth caller with RATE_LIMITED', async () => {
    const release = gate();
    let started = 0;
    let peak = 0;
    let active = 0;
    const allStarted: Array<() => void> = [];
    const builder = createServer({ name: 'bounded', version: '1', logger: silentLogger }).tool('work', {
      description: 'Blocks until released',
      use: [concurrency({ max: 2, queue: 2, name: 'work' })],
      handler: async () => {
        started++;
        active++;
        peak = Math.max(peak, active);
        for (const notify of allStarted.splice(0)) notify();
        await release.opened;
        active--;
        return 'done';
      },
    });
    const rejected: string[] = [];
    builder.telemetry.on('bulkhead.rejected', (e) => rejected.push(e.name));
    const client = await createTestClient(builder);
    const twoStarted = new Promise<void>((resolve) => {
      const check = () => (started >= 2 ? resolve() : allStarted.push(check));
      check();
    });
    const first = [1, 2, 3, 4].map(() => client.callTool('work'));
    await twoStarted;
    const fifth = await client.callTool('work');
    const error = expectToolError(fifth, 'RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(rejected).toEqual(['work']);
    release.open();
    const results = await Promise.all(first);
    expect(results.map(resultText)).toEqual(['done', 'done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(started).toBe(4);
    await client.close();
  });

  it('frees a slot after a failing call', async () => {
    let calls = 0;
    const builder = createServer({ name: 'bounded', version: '1', logger: silentLogger }).tool('flaky', {
      description: 'Fails first',
      use: [concurrency({ max: 1 })],
      handler: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return 'ok';
      },
    });
    const client = await createTestClient(builder);
    expect(await client.callTool('flaky')).toBeToolError('INTERNAL');
    expect(resultText(await client.callTool('flaky'))).toBe('ok');
    await client.close();
  });
});
