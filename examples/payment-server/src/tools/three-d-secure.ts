import { setTimeout as sleep } from 'node:timers/promises';
import { McpkitError, type ToolCallContext } from '@mcpkit/core';
import type { Provider } from '../provider.js';
import { type Charge, chargeSchema } from '../schemas.js';

/** How a charge waiting for 3-D Secure is followed when `create_charge` runs as a task. */
export interface ThreeDSecureOptions {
  /** How often the task asks the provider whether the customer finished, in ms (also the poll interval suggested to clients). Default: 2 000. */
  pollIntervalMs?: number;
  /** How long the task waits for the customer before it returns the charge still pending, in ms. Default: 900 000 (15 minutes). */
  waitMs?: number;
}

/** Whether `charge` waits for its customer to complete 3-D Secure (pending, not authorized, with an `authorize_uri`). */
export const awaitsThreeDSecure = (charge: Charge): boolean =>
  charge.status === 'pending' && !charge.authorized && charge.authorize_uri !== undefined;

/** The task's status message while it waits: what the client shows its user. */
export const waitingMessage = (charge: Charge): string =>
  `Waiting for the customer to complete 3-D Secure for ${charge.id}: send them to ${charge.authorize_uri}`;

/**
 * Follows a charge waiting for 3-D Secure until the customer finishes (the provider reports it
 * authorized or failed) or `waitMs` passes, polling every `pollIntervalMs`; the task's status
 * message tells the client where to send the customer. `ctx.signal` (the client cancelled the task, its ttl passed, a shutdown)
 * stops it at once, an in-flight poll included.
 */
export async function followThreeDSecure(
  provider: Provider,
  ctx: ToolCallContext<unknown>,
  charge: Charge,
  options: Required<ThreeDSecureOptions>,
): Promise<Charge> {
  const deadline = Date.now() + options.waitMs;
  // The message stays the same while the customer is away: one status update, not one per poll.
  ctx.progress(0, undefined, waitingMessage(charge));
  let current = charge;
  while (awaitsThreeDSecure(current)) {
    if (Date.now() + options.pollIntervalMs > deadline) return current;
    try {
      await sleep(options.pollIntervalMs, undefined, { signal: ctx.signal });
    } catch (error) {
      throw ctx.signal.aborted ? ctx.signal.reason : error;
    }
    current = await provider.call(ctx, {
      method: 'GET',
      path: `/charges/${current.id}`,
      schema: chargeSchema,
    });
  }
  return current;
}

/** The coded error of a charge the customer's 3-D Secure refused: no money moved. */
export function threeDSecureFailed(charge: Charge): McpkitError {
  return new McpkitError(
    'FORBIDDEN',
    `The customer did not pass 3-D Secure for ${charge.id}; no money moved.`,
    {
      retryable: false,
      details: {
        reason: 'three_d_secure_failed',
        chargeId: charge.id,
        ...(charge.failure_code ? { providerCode: charge.failure_code } : {}),
      },
      hint: 'Ask the customer to try again (a new create_charge) or to pay with another card.',
    },
  );
}
