import { McpkitError } from '@mcpkit/core';

/** Rejects with `UPSTREAM_TIMEOUT` when `promise` takes longer than `ms`; a stuck Redis must not stall a tool call. */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new McpkitError('UPSTREAM_TIMEOUT', `Redis did not answer ${operation} within ${ms} ms.`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
