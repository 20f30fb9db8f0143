import {
  type Cache,
  createCache,
  createMemoryCacheStore,
  createRedisCacheBus,
  createRedisCacheStore,
  createTieredCacheStore,
} from '@mcpkit/cache';
import {
  createCursorPagination,
  createLogger,
  createServer,
  type Logger,
  type ServerBuilder,
} from '@mcpkit/core';
import {
  type AuditPlugin,
  type AuditSink,
  type AuditSinkFunction,
  apiKey,
  audit,
  hashApiKey,
  metrics,
} from '@mcpkit/middleware';
import { createRedisTaskStore, type RedisTaskStore } from '@mcpkit/redis';
import type { UpstreamOptions } from '@mcpkit/resilience';
import type { Redis } from 'ioredis';
import type { CallerKey } from './config.js';
import { paymentTools } from './payments-plugin.js';
import { createProvider, type Provider } from './provider.js';
import type { RefundChargesOptions } from './tools/refund-charges.js';
import type { ThreeDSecureOptions } from './tools/three-d-secure.js';
import { webhookRoute } from './webhook-route.js';

/** Options of {@link createPaymentServer}. */
export interface PaymentServerOptions {
  /** The provider's API base URL. */
  apiUrl: string;
  /** The provider secret key. */
  secretKey: string;
  /** The provider's webhook signing secret. */
  webhookSecret: string;
  /** The list cursors' signing secret (shared by every instance). */
  cursorSecret: string;
  /** The MCP callers and their scopes. Default: none (every call is refused with `UNAUTHORIZED`). */
  callers?: readonly CallerKey[];
  /** Redis for the shared cache, its invalidation bus, webhook replay memory and tasks. Default: none (one process). */
  redis?: Redis;
  /** Key prefix and bus channel in Redis, so several deployments can share one. Default: `payments:`. */
  redisPrefix?: string;
  /** Where audit records go. Default: one `audit` log line per record. */
  auditSink?: AuditSink | AuditSinkFunction;
  /** The server's logger. Default: core's JSON-lines logger on standard error. */
  logger?: Logger;
  /** Overrides of the provider upstream's resilience settings. */
  upstream?: Partial<UpstreamOptions>;
  /** How long reads are cached, in ms. Default: 30 000. */
  cacheTtlMs?: number;
  /** Bounds of the batch refund tool. Default: 50 items, 5 at a time. */
  refundBatch?: RefundChargesOptions;
  /** How `create_charge` follows a charge waiting for 3-D Secure as a task. Default: a poll every 2 s, for up to 15 minutes. */
  threeDSecure?: ThreeDSecureOptions;
  /** Path of the webhook route. Default: `/webhooks/payments`. */
  webhookPath?: string;
  /** Path of the Prometheus metrics route. Default: `/metrics`. */
  metricsPath?: string;
}

/** A composed payment server, not yet serving. */
export interface PaymentServer {
  /** The builder: `.serve()`, `.stdio()` or `.fetchHandler()` it. */
  readonly server: ServerBuilder;
  readonly provider: Provider;
  readonly cache: Cache;
  readonly audit: AuditPlugin;
  /** Flushes the audit trail, closes the cache and the task store's subscriber (never the Redis client you passed). */
  close(): Promise<void>;
}

/**
 * Composes the payment server from mcpkit's packages: metrics, API-key auth with payment scopes, an audit
 * trail of every call (money movements with amount and idempotency key), a cache (tiered over
 * Redis when given) invalidated by mutations and webhooks, the provider behind a resilient upstream,
 * the tools (one plugin per resource) and the webhook route.
 */
export function createPaymentServer(options: PaymentServerOptions): PaymentServer {
  const logger = options.logger ?? createLogger();
  const prefix = options.redisPrefix ?? 'payments:';
  const store = options.redis
    ? createTieredCacheStore(
        createMemoryCacheStore(),
        createRedisCacheStore({ client: options.redis, prefix: `${prefix}cache:` }),
        {
          bus: createRedisCacheBus({ client: options.redis, channel: `${prefix}cache:bus` }),
        },
      )
    : createMemoryCacheStore();
  const appCache = createCache({ store, name: 'payments-cache' });
  const provider = createProvider({
    apiUrl: options.apiUrl,
    secretKey: options.secretKey,
    ...(options.upstream ? { upstream: options.upstream } : {}),
  });
  const pagination = createCursorPagination({
    secret: options.cursorSecret,
    defaultPageSize: 50,
    maxPageSize: 100,
  });
  const trail = audit({
    sink:
      options.auditSink ??
      ((batch) => {
        for (const record of batch) logger.info({ audit: record }, 'audit');
      }),
    fields: (ctx) => (ctx.state.payment === undefined ? undefined : { payment: ctx.state.payment }),
  });

  // With Redis, tasks live there too: any instance answers tasks/get and tasks/cancel for a task
  // (a 3-D Secure charge) another instance runs.
  const taskStore: RedisTaskStore | undefined = options.redis
    ? createRedisTaskStore({ client: options.redis, prefix: `${prefix}task:`, logger })
    : undefined;

  const server = createServer({
    name: 'payment-server',
    version: '0.1.0',
    logger,
    ...(taskStore ? { tasks: { store: taskStore } } : {}),
    instructions:
      'Payments through a card provider. Amounts are integers in minor units (THB satang, JPY yen). Money-moving tools ask the user to confirm unless your key allows unattended use.',
  })
    // Outermost, so refused calls are counted too; Prometheus text at /metrics, upstream retries and breaker included.
    .use(metrics({ endpoint: options.metricsPath ?? '/metrics' }))
    .use(
      apiKey({
        keys: (options.callers ?? []).map((caller) => ({
          hash: hashApiKey(caller.key),
          subject: caller.subject,
          scopes: caller.scopes,
        })),
      }),
    )
    .use(trail)
    .use(appCache)
    .use(provider.upstream)
    .use(
      paymentTools(
        {
          provider,
          pagination,
          cacheTtlMs: options.cacheTtlMs ?? 30_000,
          threeDSecure: {
            pollIntervalMs: options.threeDSecure?.pollIntervalMs ?? 2_000,
            waitMs: options.threeDSecure?.waitMs ?? 900_000,
          },
        },
        { refundBatch: options.refundBatch ?? {} },
      ),
    )
    .route(
      options.webhookPath ?? '/webhooks/payments',
      webhookRoute({
        secret: options.webhookSecret,
        cache: appCache,
        logger,
        ...(options.redis ? { redis: options.redis } : {}),
      }),
    );

  return {
    server,
    provider,
    cache: appCache,
    audit: trail,
    async close() {
      await trail.flush();
      await appCache.close();
      await taskStore?.close();
    },
  };
}
