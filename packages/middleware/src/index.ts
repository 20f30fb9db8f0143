export type { AuditOptions, AuditPlugin } from './audit/audit.js';
export { audit } from './audit/audit.js';
export type { AuditRecord, AuditSink, AuditSinkFunction } from './audit/audit-record.js';
export type { JsonlFileSinkOptions } from './audit/jsonl-file-sink.js';
export { createJsonlFileSink } from './audit/jsonl-file-sink.js';
export type { ApiKeyEntry, ApiKeyOptions } from './auth/api-key.js';
export { apiKey, hashApiKey } from './auth/api-key.js';
export type { AuthFailureReason } from './auth/auth-error.js';
export type { Authenticate, AuthTarget, Challenge } from './auth/auth-plugin.js';
export { createAuthPlugin } from './auth/auth-plugin.js';
export type { JwtOptions, TokenVerifier } from './auth/jwt.js';
export { bearerChallenge, createJwtVerifier, jwt } from './auth/jwt.js';
export type { OAuthResourceServerOptions } from './auth/oauth-resource-server.js';
export { oauthResourceServer, protectedResourceMetadataPath } from './auth/oauth-resource-server.js';
export type { RbacOptions } from './auth/rbac.js';
export { rbac, withRoleScopes } from './auth/rbac.js';
export { requireScopes } from './auth/require-scopes.js';
export type { ConcurrencyOptions } from './concurrency.js';
export { concurrency } from './concurrency.js';
export type { ConsentOptions } from './consent.js';
export { consent } from './consent.js';
export type { LogDestination, LogDestinationOptions } from './logging/log-destination.js';
export { createLogDestination } from './logging/log-destination.js';
export type { LoggingOptions } from './logging/logging.js';
export { logging } from './logging/logging.js';
export type { MetricsOptions, MetricsPlugin } from './metrics/metrics.js';
export { MCP_DURATION_BUCKETS, metrics } from './metrics/metrics.js';
export { TASK_DURATION_BUCKETS } from './metrics/task-metrics.js';
export type { ProductionOptions, ProductionPreset } from './production.js';
export { production } from './production.js';
export type { MemoryRateLimitStoreOptions } from './rate-limit/memory-store.js';
export { createMemoryRateLimitStore } from './rate-limit/memory-store.js';
export type {
  RateLimitBy,
  RateLimiter,
  RateLimitOptions,
  RateLimitRequest,
} from './rate-limit/rate-limit.js';
export { rateLimit, rateLimitHeaders } from './rate-limit/rate-limit.js';
export type {
  RateLimitAlgorithm,
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit/rate-limit-store.js';
export type { RedisRateLimitStoreOptions, RedisScriptClient } from './rate-limit/redis-store.js';
export { createRedisRateLimitStore } from './rate-limit/redis-store.js';
export type { RedactSecretsOptions } from './redaction/redact-secrets.js';
export { redactSecrets } from './redaction/redact-secrets.js';
export type { RequestIdOptions } from './request-id/request-id.js';
export { requestId } from './request-id/request-id.js';
export type { NonceCache } from './signing/nonce-cache.js';
export { createNonceCache } from './signing/nonce-cache.js';
export type {
  SignableRequest,
  SignedRequest,
  SignRequestOptions,
  VerifySignedRequestOptions,
} from './signing/sign-request.js';
export { SIGNATURE_HEADERS, signRequest, verifySignedRequest } from './signing/sign-request.js';
export type { SignedRequestsOptions } from './signing/signed-requests.js';
export { signedRequests } from './signing/signed-requests.js';
export type { WebhookOptions } from './signing/verify-webhook.js';
export { signWebhook, verifyWebhook } from './signing/verify-webhook.js';
export type { TimeoutOptions } from './timeout.js';
export { timeout } from './timeout.js';
export type { TracingOptions } from './tracing/tracing.js';
export { tracing } from './tracing/tracing.js';
