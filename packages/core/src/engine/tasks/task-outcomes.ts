import type { Logger } from '../../observability/logger.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';
import { McpkitError, toErrorPayload } from '../errors.js';
import type { TaskOutcome } from './task-store.js';

/** Which task an outcome is for, and the request that created it (error payloads name it). */
export interface TaskIds {
  readonly taskId: string;
  readonly requestId: string;
}

/** A failed outcome carrying a coded error as a tool error would (its payload names the request). */
function codedFailure(error: McpkitError, requestId: string): TaskOutcome {
  return {
    status: 'failed',
    error: { code: RpcCode.INTERNAL_ERROR, message: error.message, data: toErrorPayload(error, requestId) },
    statusMessage: error.message,
  };
}

/** Deepest nesting {@link jsonBytesAtMost} follows before it leaves the answer to `JSON.stringify`. */
const MAX_DEPTH = 64;

/**
 * An upper bound of the bytes `value` takes as JSON, without serializing it; Infinity once past
 * `budget`, or where only serializing can tell (a `toJSON`, a BigInt, deep nesting). Each UTF-16
 * unit of a string counts 6 bytes, the most an escape takes.
 */
function jsonBytesAtMost(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return 24;
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return Number.POSITIVE_INFINITY;
      let bytes = 2;
      if (Array.isArray(value)) {
        for (const item of value) {
          bytes += 1 + jsonBytesAtMost(item, budget - bytes, depth + 1);
          if (bytes > budget) return Number.POSITIVE_INFINITY;
        }
        return bytes;
      }
      for (const key in value) {
        bytes +=
          4 +
          6 * key.length +
          jsonBytesAtMost((value as Record<string, unknown>)[key], budget - bytes, depth + 1);
        if (bytes > budget) return Number.POSITIVE_INFINITY;
      }
      return bytes;
    }
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** A task's completion, or a coded failure when its result is larger than `maxResultBytes` to keep. */
export function completionOutcome(
  result: Record<string, unknown>,
  maxResultBytes: number,
  task: TaskIds,
  logger: Logger,
): TaskOutcome {
  // Most results are far below the bound: an estimate settles it without serializing them.
  if (jsonBytesAtMost(result, maxResultBytes, 0) <= maxResultBytes) return { status: 'completed', result };
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(result));
  } catch (error) {
    // A result JSON cannot carry (a BigInt, a cycle) could not be answered as a plain call either.
    return failureOutcome(error, task, logger);
  }
  if (bytes <= maxResultBytes) return { status: 'completed', result };
  const error = new McpkitError('INTERNAL', 'The task finished with a result too large to keep.', {
    hint: 'Return less (a link, a page, a summary), or raise tasks.maxResultBytes of createServer().',
    details: { resultBytes: bytes, maxResultBytes },
  });
  logger.warn({ taskId: task.taskId, resultBytes: bytes }, 'task result too large to keep');
  return codedFailure(error, task.requestId);
}

/** A task's failure: a protocol error as it is, anything else as an internal error (logged, not shown). */
export function failureOutcome(error: unknown, task: TaskIds, logger: Logger): TaskOutcome {
  if (error instanceof ProtocolError) {
    const out: TaskOutcome = {
      status: 'failed',
      error: { code: error.rpcCode, message: error.message },
      statusMessage: error.message,
    };
    if (error.data !== undefined) out.error.data = error.data;
    return out;
  }
  logger.error({ err: error, taskId: task.taskId }, 'task failed');
  return {
    status: 'failed',
    error: { code: RpcCode.INTERNAL_ERROR, message: 'Internal error.' },
    statusMessage: 'Internal error.',
  };
}

/** A task the server shut down under: failed retryably. */
export function shutdownOutcome(requestId: string): TaskOutcome {
  return codedFailure(
    new McpkitError('UPSTREAM_UNAVAILABLE', 'The server shut down before the task finished.', {
      retryable: true,
      hint: 'Call the tool again (another instance, or this one restarted, will run it), unless calling it twice would do its work twice.',
    }),
    requestId,
  );
}
