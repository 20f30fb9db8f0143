import { McpkitError } from '@mcpkit/core';

/**
 * Refuses a Redis feature built without a client, when it is built rather than at the first
 * command (where it would be an uncoded `TypeError` inside a request). The package never imports
 * ioredis (an optional peer): the app creates the client and passes it in.
 */
export function requireRedisClient<C>(client: C | undefined | null, feature: string): C {
  if (client !== undefined && client !== null) return client;
  throw new McpkitError('VALIDATION_FAILED', `${feature} needs a Redis client in \`client\`.`, {
    hint: "npm install ioredis, then pass `client: new Redis(process.env.REDIS_URL)` (import { Redis } from 'ioredis').",
  });
}
