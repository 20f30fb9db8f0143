import { TASKS_EXTENSION, type Telemetry, type ToolCallContext } from '@mcpkit/core';
import type {
  Attributes,
  Link,
  Span,
  SpanAttributeValue,
  SpanContext,
  SpanStatus,
  TimeInput,
  Tracer,
} from '@opentelemetry/api';
import type { ClassifiedOutcome } from '../outcome/classify-outcome.js';
import type { OtelApi } from './load-otel-api.js';

/** Whether the caller declared the Tasks extension, so its `tools/call` may become a task. */
export function mayBecomeTask(ctx: { method: string; client: { capabilities: unknown } }): boolean {
  if (ctx.method !== 'tools/call') return false;
  const extensions = (ctx.client.capabilities as { extensions?: Record<string, unknown> }).extensions;
  return typeof extensions === 'object' && extensions !== null && extensions[TASKS_EXTENSION] !== undefined;
}

/**
 * The span a request's inner layers see as active: the request's span until the call becomes a
 * task, then the task's. Spans started under it (the handler's own) take whichever is current as
 * their parent, so work done after the hand-off nests under the task.
 */
export class HandoffSpan implements Span {
  constructor(public current: Span) {}
  spanContext(): SpanContext {
    return this.current.spanContext();
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    this.current.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.current.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.current.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }
  addLink(link: Link): this {
    this.current.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.current.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.current.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.current.updateName(name);
    return this;
  }
  end(endTime?: TimeInput): void {
    this.current.end(endTime);
  }
  isRecording(): boolean {
    return this.current.isRecording();
  }
  recordException(exception: Parameters<Span['recordException']>[0], time?: TimeInput): void {
    this.current.recordException(exception, time);
  }
}

/** A request that may become a task, while its chain runs. */
export interface PendingCall {
  readonly ctx: ToolCallContext;
  readonly span: Span;
  readonly handoff: HandoffSpan;
  readonly tracer: Tracer;
  /** Set when the call became a task. */
  task?: RunningTask;
}

interface RunningTask {
  readonly span: Span;
  /** How the chain ended, once it has; the task's own event says which status the task took. */
  outcome?: { classified: ClassifiedOutcome; error?: unknown };
  status?: 'completed' | 'failed' | 'cancelled';
}

/** Most tasks followed at once per server; past it a task's span ends with its chain. */
const MAX_FOLLOWED = 10_000;
type Finish = (span: Span, errorType: string | undefined, error?: unknown) => void;

/**
 * Follows one server's task events for `tracing()`: on `task.created` the creating request's span
 * ends (the client has its task) and a `task {tool}` span, its child, starts for the detached run;
 * it ends when the task does, with `mcp.task.status` and the run's error type.
 */
export class TaskSpans {
  readonly #calls = new Map<string, PendingCall>();
  readonly #tasks = new Map<string, RunningTask>();

  constructor(
    telemetry: Telemetry,
    private readonly api: OtelApi,
    private readonly finish: Finish,
  ) {
    telemetry.on('task.created', (event) => this.#created(event.requestId, event.taskId));
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      telemetry.on(`task.${status}`, (event) => this.#ended(event.taskId, status));
    }
  }

  /** Registers a call whose chain is about to run; {@link done} must follow. */
  begin(call: PendingCall): void {
    this.#calls.set(call.ctx.requestId, call);
  }

  /** The chain ended; true when the call had become a task (whose span ends with the task). */
  done(call: PendingCall, classified: ClassifiedOutcome, error?: unknown): boolean {
    this.#calls.delete(call.ctx.requestId);
    const task = call.task;
    if (task === undefined) return false;
    task.outcome = { classified, error };
    const taskId = call.ctx.taskId as string;
    if (task.status !== undefined || !this.#tasks.has(taskId)) this.#end(taskId, task);
    return true;
  }

  #created(requestId: string, taskId: string): void {
    const call = this.#calls.get(requestId);
    if (call === undefined) return;
    const { api } = this;
    call.span.setAttribute('mcp.task.id', taskId);
    const span = call.tracer.startSpan(
      `task ${call.ctx.name}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          'gen_ai.tool.name': call.ctx.name,
          'gen_ai.operation.name': 'execute_tool',
          'mcp.task.id': taskId,
          'mcpkit.request.id': requestId,
        },
      },
      api.trace.setSpan(api.ROOT_CONTEXT, call.span),
    );
    // The request is answered with the task right after this event: its span ends here.
    this.finish(call.span, undefined);
    call.handoff.current = span;
    call.ctx.state.span = span;
    const task: RunningTask = { span };
    call.task = task;
    if (this.#tasks.size < MAX_FOLLOWED) this.#tasks.set(taskId, task);
  }

  #ended(taskId: string, status: 'completed' | 'failed' | 'cancelled'): void {
    const task = this.#tasks.get(taskId);
    if (task === undefined) return;
    task.status = status;
    if (task.outcome !== undefined) this.#end(taskId, task);
  }

  #end(taskId: string, task: RunningTask): void {
    this.#tasks.delete(taskId);
    if (task.status !== undefined) task.span.setAttribute('mcp.task.status', task.status);
    const errorType = task.status === 'cancelled' ? 'cancelled' : task.outcome?.classified.errorType;
    this.finish(task.span, errorType, task.outcome?.error);
  }
}

const followers = new WeakMap<Telemetry, TaskSpans>();

/** The {@link TaskSpans} of one server's telemetry channel, subscribed on first use. */
export function taskSpansOf(telemetry: Telemetry, api: OtelApi, finish: Finish): TaskSpans {
  let spans = followers.get(telemetry);
  if (spans === undefined) {
    spans = new TaskSpans(telemetry, api, finish);
    followers.set(telemetry, spans);
  }
  return spans;
}
