import type { ToolErrorPayload } from '@mcpkit/core';
import type { TestClient } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks, KEYS, startPayments } from './support/harness.js';

type Payments = Awaited<ReturnType<typeof startPayments>>;
let env: Payments;

beforeAll(async () => {
  env = await startPayments({ faults: { dropAfterCommit: 0.2, resetConnections: 0.1, seed: 17 } });
});
afterAll(async () => {
  await env.close();
  assertNoLeaks('exactly-once');
});

const LOGICAL_CALLS = 500;
const IN_FLIGHT = 20;

describe('exactly-once money movement under faults', () => {
  it('500 create_charge calls while the sandbox drops 20% of responses after commit and resets 10% of connections', async () => {
    const clients: TestClient[] = [
      await env.instance.connect({ era: 'modern', key: KEYS.unattended }),
      await env.instance.connect({ era: 'legacy', key: KEYS.unattended }),
    ];
    const outcomes = {
      firstTry: 0,
      afterRetry: 0,
      toolCalls: 0,
      retryableErrors: 0,
      otherErrors: [] as ToolErrorPayload[],
    };
    const chargeOf = new Map<number, string>();

    const logicalCall = async (order: number) => {
      const client = clients[order % 2] as TestClient;
      const args = {
        amount: 2000 + order,
        currency: 'thb',
        card: 'tokn_test_visa',
        metadata: { order: String(order) },
        idempotencyKey: `order-${order}-of-run`,
      };
      // A retryable failure is retried by the caller with the same idempotency key, as the tool asks.
      for (let attempt = 1; attempt <= 6; attempt++) {
        const result = await client.callTool('create_charge', args);
        outcomes.toolCalls += 1;
        if (!result.isError) {
          chargeOf.set(order, (result.structuredContent as { id: string }).id);
          if (attempt === 1) outcomes.firstTry += 1;
          else outcomes.afterRetry += 1;
          return;
        }
        const error = (result.structuredContent as { error: ToolErrorPayload }).error;
        if (!error.retryable) {
          outcomes.otherErrors.push(error);
          return;
        }
        outcomes.retryableErrors += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(error.retryAfterMs ?? 50, 200)));
      }
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < LOGICAL_CALLS) await logicalCall(next++);
      }),
    );
    for (const client of clients) await client.close();

    const perOrder = new Map<string, number>();
    for (const charge of env.sandbox.store.charges.values()) {
      const order = (charge.metadata as Record<string, string>).order as string;
      perOrder.set(order, (perOrder.get(order) ?? 0) + 1);
    }
    const duplicates = [...perOrder.values()].filter((n) => n > 1).length;
    const lost = LOGICAL_CALLS - perOrder.size;
    console.log(
      `[acceptance 2] ${LOGICAL_CALLS} logical create_charge calls: ${env.sandbox.store.charges.size} charges in the sandbox, ` +
        `${duplicates} duplicates, ${lost} lost; ${outcomes.firstTry} succeeded first time, ${outcomes.afterRetry} after a caller retry ` +
        `(${outcomes.retryableErrors} retryable errors, ${outcomes.otherErrors.length} other); sandbox: ${env.sandbox.stats.requests} requests, ` +
        `${env.sandbox.stats.dropped} responses dropped after commit, ${env.sandbox.stats.resets} connections reset, ` +
        `${env.sandbox.stats.idempotentReplays} idempotent replays`,
    );
    expect(outcomes.otherErrors).toEqual([]);
    expect(chargeOf.size).toBe(LOGICAL_CALLS);
    expect(env.sandbox.store.charges.size).toBe(LOGICAL_CALLS);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    // Every success names the one charge of its order.
    for (const [order, id] of chargeOf) {
      expect((env.sandbox.store.charges.get(id)?.metadata as Record<string, string> | undefined)?.order).toBe(
        String(order),
      );
    }
    expect(env.sandbox.stats.dropped).toBeGreaterThan(0);
    expect(env.sandbox.stats.resets).toBeGreaterThan(0);
  }, 120_000);
});
