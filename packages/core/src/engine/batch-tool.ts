import type { Icon, ToolAnnotations } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { ToolCallContext } from './context.js';
import type { ToolOptions } from './definitions.js';
import {
  type ErrorCode,
  McpkitError,
  type ToolErrorPayload,
  toErrorPayload,
  toMcpkitError,
} from './errors.js';
import { isInputRequired } from './input-required.js';
import type { Middleware } from './middleware.js';

/** The validated arguments of a batch tool: the items, in order. */
export interface BatchArgs<Item> {
  items: Item[];
}

/** One item's outcome: its value, or the coded error it failed with. */
export type BatchItemResult<Value> =
  | { index: number; ok: true; value: Value }
  | { index: number; ok: false; error: ToolErrorPayload };

/** The structured result of a batch tool call. */
export interface BatchResult<Value> {
  /** Items in the call. */
  total: number;
  /** Items that succeeded. */
  succeeded: number;
  /** Items that failed (their coded errors are in `results`). */
  failed: number;
  /** One entry per item, in the order of the items. */
  results: BatchItemResult<Value>[];
}

/** Options of {@link batchTool}. */
export interface BatchToolOptions<Item extends z.ZodType, Value extends z.ZodType | undefined = undefined> {
  /** Human-readable name for UIs. */
  title?: string;
  /** What the tool does, for the model. */
  description: string;
  /** Schema of one item; the tool's input is `{ items: Item[] }`. */
  item: Item;
  /** Schema of one item's success value; published inside the tool's `outputSchema`. Default: any JSON. */
  value?: Value;
  /** Most items in one call (more is `VALIDATION_FAILED`). Default: 100. */
  maxItems?: number;
  /** Most items running at once. Default: 4. */
  concurrency?: number;
  /** Behaviour hints for clients. */
  annotations?: ToolAnnotations;
  /** Icons for UIs. */
  icons?: Icon[];
  /** Extra `_meta` published with the tool listing. */
  meta?: Record<string, unknown>;
  /** Middleware for this tool only (consent, caching, …); they run once per call, around all the items. */
  use?: ReadonlyArray<Middleware<'tools/call', BatchArgs<z.output<Item>>, BatchResult<BatchValueOf<Value>>>>;
  /**
   * Runs one item. Throw (an `McpkitError` for a coded failure) to fail that item only: the other
   * items still run, and the call succeeds with the failure listed beside the successes. Items
   * share `ctx`; they must not ask the client for input (ask once, in `use`, before the items run).
   */
  run: (
    item: z.output<Item>,
    ctx: ToolCallContext<BatchArgs<z.output<Item>>>,
    index: number,
  ) => Promise<BatchValueOf<Value>> | BatchValueOf<Value>;
}

/** The type of an item's success value, from its schema (unknown without one). */
export type BatchValueOf<Value> = Value extends z.ZodType ? z.output<Value> : unknown;

const ERROR_CODES = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'CONFLICT',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'CIRCUIT_OPEN',
  'INTERNAL',
] as const satisfies readonly ErrorCode[];

const errorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  requestId: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  hint: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

type BatchInput<Item extends z.ZodType> = z.ZodObject<{ items: z.ZodArray<Item> }>;
type BatchOutput = z.ZodType<BatchResult<unknown>>;

/**
 * Defines a tool over a bounded list of items: `.tool('refund_charges', batchTool({ item, run }))`.
 * The items run with bounded concurrency; each ends as a success or a coded error, side by side in
 * `structuredContent.results` (a partial failure is not a failed call); one progress notification
 * follows each finished item when the client asked for progress. A cancelled call starts no
 * further items.
 */
export function batchTool<Item extends z.ZodType, Value extends z.ZodType | undefined = undefined>(
  options: BatchToolOptions<Item, Value>,
): ToolOptions<BatchInput<Item>, BatchOutput> {
  const maxItems = options.maxItems ?? 100;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(maxItems) || maxItems < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new McpkitError(
      'VALIDATION_FAILED',
      'batchTool() needs whole numbers ≥ 1 for maxItems and concurrency.',
      {
        hint: 'Set maxItems (default 100) and concurrency (default 4) to positive integers.',
      },
    );
  }
  const input = z.object({
    items: z
      .array(options.item)
      .min(1)
      .max(maxItems)
      .describe(`The items to process, 1 to ${maxItems}; each succeeds or fails on its own.`),
  });
  const valueSchema: z.ZodType = options.value ?? z.unknown();
  const output = z.object({
    total: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.union([
        z.object({ index: z.number().int(), ok: z.literal(true), value: valueSchema }),
        z.object({ index: z.number().int(), ok: z.literal(false), error: errorSchema }),
      ]),
    ),
  }) as unknown as BatchOutput;
  const run = options.run;

  return {
    ...(options.title === undefined ? {} : { title: options.title }),
    description: options.description,
    input,
    output,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    ...(options.icons === undefined ? {} : { icons: options.icons }),
    ...(options.meta === undefined ? {} : { meta: options.meta }),
    ...(options.use === undefined
      ? {}
      : { use: options.use as unknown as ToolOptions<BatchInput<Item>, BatchOutput>['use'] }),
    handler: async (args, ctx) => {
      const items = args.items as z.output<Item>[];
      const itemCtx = ctx as unknown as ToolCallContext<BatchArgs<z.output<Item>>>;
      const results = new Array<BatchItemResult<unknown>>(items.length);
      let nextIndex = 0;
      let done = 0;
      let succeeded = 0;
      let pause: unknown;

      const settle = (index: number, outcome: BatchItemResult<unknown>) => {
        results[index] = outcome;
        done += 1;
        if (outcome.ok) succeeded += 1;
        ctx.progress(
          done,
          items.length,
          `item ${index + 1} of ${items.length} ${outcome.ok ? 'done' : 'failed'}`,
        );
      };

      const worker = async () => {
        while (nextIndex < items.length && pause === undefined) {
          const index = nextIndex++;
          if (ctx.signal.aborted) {
            settle(index, { index, ok: false, error: toErrorPayload(cancelled(), ctx.requestId) });
            continue;
          }
          try {
            const value = await run(items[index] as z.output<Item>, itemCtx, index);
            settle(index, { index, ok: true, value: value === undefined ? null : value });
          } catch (error) {
            if (isInputRequired(error)) {
              pause = error;
              return;
            }
            const coded = toMcpkitError(error);
            if (coded.code === 'INTERNAL') {
              ctx.logger.error({ err: error, tool: ctx.name, item: index }, 'batch item failed');
            }
            settle(index, { index, ok: false, error: toErrorPayload(coded, ctx.requestId) });
          }
        }
      };

      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
      if (pause !== undefined) throw pause;
      const structured: BatchResult<unknown> = {
        total: items.length,
        succeeded,
        failed: items.length - succeeded,
        results,
      };
      return {
        content: [
          {
            type: 'text',
            text: `${succeeded} of ${items.length} items succeeded, ${items.length - succeeded} failed.\n${JSON.stringify(structured)}`,
          },
        ],
        structuredContent: structured as unknown as Record<string, unknown>,
      };
    },
  };
}

function cancelled(): McpkitError {
  return new McpkitError('UPSTREAM_UNAVAILABLE', 'The call was cancelled before this item started.', {
    retryable: true,
    hint: 'Retry the items that did not run.',
  });
}
