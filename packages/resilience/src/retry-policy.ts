import {
  decorrelatedJitterGenerator,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
  retry,
} from 'cockatiel';

/** Settings of {@link createRetryPolicy}. */
export interface RetryPolicySettings {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Base delay of the decorrelated-jitter backoff. */
  baseDelayMs: number;
  /** Longest backoff delay. */
  maxDelayMs: number;
  /** Decides, per failure, whether another attempt is made. */
  shouldRetry: (error: Error) => boolean;
}

type JitterState = [number, number] | undefined;

/**
 * Backoff with decorrelated jitter, except that a failure carrying `retryAfterMs` (a `Retry-After`
 * from the provider) waits exactly that long: the provider knows better than our formula.
 */
function retryAfterAwareBackoff(
  settings: RetryPolicySettings,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const jitter = {
    generator: decorrelatedJitterGenerator,
    initialDelay: settings.baseDelayMs,
    maxDelay: settings.maxDelayMs,
    exponent: 2,
  };
  const step = (
    state: JitterState,
    context: IRetryBackoffContext<unknown>,
  ): IBackoff<IRetryBackoffContext<unknown>> => {
    const [delay, next] = decorrelatedJitterGenerator(state, jitter);
    const hinted =
      'error' in context.result
        ? (context.result.error as { retryAfterMs?: unknown }).retryAfterMs
        : undefined;
    return {
      duration: typeof hinted === 'number' ? hinted : delay,
      next: (nextContext) => step(next, nextContext),
    };
  };
  return { next: (context) => step(undefined, context) };
}

/** Builds the retry policy once: cockatiel's retry with our backoff and retry decision. */
export function createRetryPolicy(settings: RetryPolicySettings): RetryPolicy {
  return retry(handleWhen(settings.shouldRetry), {
    maxAttempts: Math.max(0, settings.maxAttempts - 1),
    backoff: retryAfterAwareBackoff(settings),
  });
}
