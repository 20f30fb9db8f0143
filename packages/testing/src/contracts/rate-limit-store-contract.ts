import { type ContractClock, manualClock, realClock } from './contract-clock.js';
import {
  type ContractSuite,
  type ContractTest,
  ensure,
  ensureEqual,
  settlesWithin,
  uniquePrefix,
} from './contract-suite.js';

/** The rate-limit store contract of `@mcpkit/middleware` (`RateLimitStore`), structurally. */
export interface RateLimitStoreLike {
  consume(
    key: string,
    rule: {
      readonly limit: number;
      readonly windowMs: number;
      readonly algorithm: 'token-bucket' | 'sliding-window';
    },
  ):
    | { allowed: boolean; limit: number; remaining: number; resetMs: number; retryAfterMs: number }
    | Promise<{ allowed: boolean; limit: number; remaining: number; resetMs: number; retryAfterMs: number }>;
}

/** Options of {@link rateLimitStoreContract}. */
export interface RateLimitStoreContractOptions {
  /** A fresh store reading time from `clock.now` (pass it as the store's `now` option); may be async. */
  create(clock: ContractClock): RateLimitStoreLike | Promise<RateLimitStoreLike>;
  /** Frees what `create` opened. */
  dispose?(store: RateLimitStoreLike): void | Promise<void>;
  /** The store keeps its own time (Redis's TIME): windows are short and the suite waits for real. Default: false. */
  realTime?: boolean;
  /** A store whose backend is down, for the failure check (`consume` must reject, not hang). */
  unreachable?(): RateLimitStoreLike | Promise<RateLimitStoreLike>;
  /** Algorithms to check. Default: both. */
  algorithms?: ReadonlyArray<'token-bucket' | 'sliding-window'>;
}

/**
 * The rate-limit store contract as a suite: `limit` requests per window then refusals with a
 * retry delay, independent keys, a full allowance again after the window, atomic counting under
 * concurrent requests, and rejection (not a hang) when the backend is down.
 */
export function rateLimitStoreContract(options: RateLimitStoreContractOptions): ContractSuite {
  const tests: ContractTest[] = [];
  const prefix = uniquePrefix('rate-limit');
  let n = 0;
  const key = () => `${prefix}${++n}`;
  const withStore =
    (body: (store: RateLimitStoreLike, clock: ContractClock) => Promise<void>) => async () => {
      const clock = options.realTime ? realClock() : manualClock();
      const store = await options.create(clock);
      try {
        await body(store, clock);
      } finally {
        await options.dispose?.(store);
      }
    };
  for (const algorithm of options.algorithms ?? (['token-bucket', 'sliding-window'] as const)) {
    // Long enough that a token bucket refills nothing between a few quick calls, even in real time.
    const rule = { limit: 3, windowMs: options.realTime ? 2_000 : 60_000, algorithm };
    const short = { limit: 2, windowMs: options.realTime ? 150 : 60_000, algorithm };
    tests.push(
      {
        name: `${algorithm}: allows the limit, then refuses with a retry delay`,
        run: withStore(async (store) => {
          const k = key();
          const remaining: number[] = [];
          for (let i = 0; i < rule.limit; i++) {
            const decision = await store.consume(k, rule);
            ensure(decision.allowed, `request ${i + 1} of ${rule.limit} should be allowed`);
            ensureEqual(decision.limit, rule.limit, 'decision.limit');
            ensureEqual(decision.retryAfterMs, 0, 'retryAfterMs of an allowed request');
            ensure(
              decision.resetMs > 0 && decision.resetMs <= 2 * rule.windowMs,
              `resetMs in (0, 2 × window] (a sliding window forgets a request after two windows at most), got ${decision.resetMs}`,
            );
            remaining.push(decision.remaining);
          }
          ensureEqual(remaining, [2, 1, 0], 'remaining after each allowed request');
          const refused = await store.consume(k, rule);
          ensure(!refused.allowed, 'the request past the limit should be refused');
          ensureEqual(refused.remaining, 0, 'remaining when refused');
          ensure(
            refused.retryAfterMs > 0 && refused.retryAfterMs <= 2 * rule.windowMs,
            `retryAfterMs of a refusal in (0, 2 × window], got ${refused.retryAfterMs}`,
          );
        }),
      },
      {
        name: `${algorithm}: counts each key on its own`,
        run: withStore(async (store) => {
          const a = key();
          const b = key();
          for (let i = 0; i < rule.limit; i++) await store.consume(a, rule);
          ensure(!(await store.consume(a, rule)).allowed, 'key a should be exhausted');
          const other = await store.consume(b, rule);
          ensure(other.allowed, 'key b should not be affected by key a');
          ensureEqual(other.remaining, rule.limit - 1, 'remaining of key b');
        }),
      },
      {
        name: `${algorithm}: gives the full allowance back once the window has passed (expiry)`,
        run: withStore(async (store, clock) => {
          const k = key();
          for (let i = 0; i < short.limit; i++) await store.consume(k, short);
          ensure(!(await store.consume(k, short)).allowed, 'the key should be exhausted');
          await clock.advance(short.windowMs * 2 + 20);
          const again = await store.consume(k, short);
          ensure(again.allowed, 'a request after two windows should be allowed');
          ensureEqual(again.remaining, short.limit - 1, 'remaining after the window passed');
        }),
      },
      {
        name: `${algorithm}: counts concurrent requests atomically`,
        run: withStore(async (store) => {
          const k = key();
          const many = { ...rule, limit: 5 };
          const decisions = await Promise.all(Array.from({ length: 20 }, () => store.consume(k, many)));
          ensureEqual(
            decisions.filter((d) => d.allowed).length,
            5,
            'allowed among 20 concurrent requests for a limit of 5',
          );
        }),
      },
    );
  }
  if (options.unreachable) {
    const unreachable = options.unreachable;
    tests.push({
      name: 'rejects (never hangs or allows silently) while its backend is down (failure)',
      run: async () => {
        const store = await unreachable();
        try {
          const outcome = await settlesWithin(
            () => store.consume(key(), { limit: 1, windowMs: 1_000, algorithm: 'sliding-window' }),
            5_000,
            'consume on a store whose backend is down',
          );
          ensure(
            !outcome.ok,
            'consume should reject while the backend is down, so the limiter applies failOpen',
          );
        } finally {
          await options.dispose?.(store);
        }
      },
    });
  }
  return { name: 'rate-limit store contract', tests };
}
