import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  ListRootsResult,
  Tool,
} from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';
import { traceIdOf } from '../observability/trace-id.js';
import { isValidInputResponse } from '../protocol/input-responses.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import { type Era, type LoggingLevel, levelPasses } from '../protocol/versions.js';
import type {
  AuthIdentity,
  BaseContext,
  ClientDescription,
  ContextState,
  InputRequestSpec,
  McpMethod,
} from './context.js';
import type { CallEnv } from './exchange.js';
import { InputRequiredSignal } from './input-required.js';
import type { TaskHook, TaskPort } from './tasks/tasks.js';

const CAPABILITY_OF: Record<InputRequestSpec['method'], 'elicitation' | 'sampling' | 'roots'> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * Modern-era input bookkeeping for one request: answers carried in the signed request state,
 * the answers the client sent with this retry, and a counter for implicit keys.
 */
export interface InputRound {
  answers: Record<string, unknown>;
  responses: Record<string, unknown> | undefined;
  next: number;
  round: number;
}

/** The answer for `key` when the client has given a well-formed one (recording it for later rounds). */
function answerFor(round: InputRound, key: string, spec: InputRequestSpec): { value: unknown } | undefined {
  if (key in round.answers) return { value: round.answers[key] };
  const given = round.responses?.[key];
  if (given !== undefined && isValidInputResponse(spec.method, given)) {
    round.answers[key] = given;
    return { value: given };
  }
  return undefined;
}

const EMPTY_ROUND = (): InputRound => ({ answers: {}, responses: undefined, next: 0, round: 0 });

/** The per-request context. One object per request; everything else is shared and frozen. */
export class RequestContext implements BaseContext {
  auth: AuthIdentity | undefined;
  readonly state: Partial<ContextState> = {};
  // tools/call specifics (set by dispatch; harmless elsewhere)
  tool: Tool | undefined = undefined;
  arguments: Readonly<Record<string, unknown>> = {};
  args: unknown = undefined;
  uri: string | undefined = undefined;
  /** On a task-eligible `tools/call`: how the call becomes a task. */
  hook: TaskHook | undefined = undefined;
  #signal: AbortSignal | undefined;
  #logger: Logger | undefined;
  #task: TaskPort | undefined;

  constructor(
    public env: CallEnv,
    readonly rpcId: string | number,
    readonly method: McpMethod,
    readonly name: string | undefined,
    readonly params: Readonly<Record<string, unknown>>,
    private readonly baseLogger: Logger,
    readonly telemetry: Telemetry,
    private input: InputRound | undefined,
  ) {
    this.auth = env.auth;
  }

  /** Aborts on cancellation or shutdown; middleware may narrow it for inner layers. */
  get signal(): AbortSignal {
    return this.#signal ?? this.env.cancellation.signal;
  }
  set signal(signal: AbortSignal) {
    this.#signal = signal;
  }

  get requestId(): string {
    return this.env.requestId;
  }
  get era(): Era {
    return this.env.era;
  }
  get protocolVersion(): string {
    return this.env.protocolVersion;
  }
  get headers(): Readonly<Record<string, string | undefined>> {
    return this.env.headers;
  }
  get remoteAddress(): string | undefined {
    return this.env.peer?.remoteAddress;
  }
  get clientAddress(): string | undefined {
    const peer = this.env.peer;
    return peer === undefined ? undefined : (peer.clientAddress ?? peer.remoteAddress);
  }
  get client(): ClientDescription {
    return this.env.client;
  }
  get logger(): Logger {
    if (this.#logger === undefined) {
      const bindings = this.#logBindings();
      if (this.#task !== undefined) bindings.taskId = this.#task.taskId;
      this.#logger = this.baseLogger.child(bindings);
    }
    return this.#logger;
  }

  /** The request id, and the trace id when one is known (a tracing middleware's, else the caller's). */
  #logBindings(): Record<string, unknown> {
    const traceId =
      (this.state as { traceId?: unknown }).traceId ??
      traceIdOf((this.params._meta as { traceparent?: unknown } | undefined)?.traceparent) ??
      traceIdOf(this.env.headers.traceparent);
    return traceId === undefined
      ? { requestId: this.env.requestId }
      : { requestId: this.env.requestId, traceId };
  }

  /** The task this call runs as, once detached. */
  get taskId(): string | undefined {
    return this.#task?.taskId;
  }

  /** Turns a task-eligible call into a task now (see `task.detach` of a tool); otherwise does nothing. */
  detach(): Promise<void> {
    return this.hook === undefined ? Promise.resolve() : this.hook.detach();
  }

  /**
   * Moves the context from its request onto a task: a new environment (the task's cancellation,
   * no stream back to the client) and the port its input requests and status go through. A
   * signal narrowed by middleware for the request does not follow the task.
   */
  rebind(env: CallEnv, port: TaskPort): void {
    this.env = env;
    this.#signal = undefined;
    this.#task = port;
    // Made on first use, as for a request: most task handlers never log.
    this.#logger = undefined;
  }

  progress(progress: number, total?: number, message?: string): void {
    if (this.#task !== undefined) {
      // Tasks send no progress notifications; a message becomes the task's status message.
      if (message !== undefined && !this.#stopped()) this.#task.status(message);
      return;
    }
    const token = (this.params._meta as { progressToken?: unknown } | undefined)?.progressToken;
    if (token === undefined || this.#stopped()) return;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.env.exchange.notify('notifications/progress', params);
  }

  #stopped(): boolean {
    return this.#signal ? this.#signal.aborted : this.env.cancellation.aborted;
  }

  /** The modern-era input round, made on first use. */
  #round(): InputRound {
    this.input ??= EMPTY_ROUND();
    return this.input;
  }

  closeStream(): boolean {
    return this.env.exchange.closeStream?.() ?? false;
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    const threshold = this.env.logLevel;
    if (threshold === null || this.#stopped()) return;
    if (threshold !== undefined && !levelPasses(level, threshold)) return;
    const params: Record<string, unknown> = { level, data };
    if (logger !== undefined) params.logger = logger;
    this.env.exchange.notify('notifications/message', params);
  }

  elicit(params: ElicitRequestParams): Promise<ElicitResult> {
    return this.#ask({ method: 'elicitation/create', params }) as Promise<ElicitResult>;
  }

  sample(params: CreateMessageRequestParams): Promise<CreateMessageResult> {
    return this.#ask({ method: 'sampling/createMessage', params }) as Promise<CreateMessageResult>;
  }

  listRoots(): Promise<ListRootsResult> {
    return this.#ask({ method: 'roots/list' }) as Promise<ListRootsResult>;
  }

  async requestInputs<K extends string>(requests: Record<K, InputRequestSpec>): Promise<Record<K, unknown>> {
    const entries = Object.entries(requests) as Array<[K, InputRequestSpec]>;
    for (const [, spec] of entries) this.#requireCapability(spec);
    if (this.#task !== undefined) return (await this.#task.ask(requests)) as Record<K, unknown>;
    if (this.env.era === 'legacy') {
      const out = {} as Record<K, unknown>;
      for (const [key, spec] of entries) out[key] = await this.#legacyRequest(spec);
      return out;
    }
    const round = this.#round();
    const missing: Record<string, InputRequestSpec> = {};
    const out = {} as Record<K, unknown>;
    for (const [key, spec] of entries) {
      const answer = answerFor(round, key, spec);
      if (answer) out[key] = answer.value;
      else missing[key] = spec;
    }
    if (Object.keys(missing).length > 0) throw new InputRequiredSignal(missing, round.answers);
    return out;
  }

  #requireCapability(spec: InputRequestSpec): void {
    const capability = CAPABILITY_OF[spec.method];
    const declared = this.env.client.capabilities as Record<string, unknown>;
    // A stateless legacy request says nothing about the client: only refuse when it described itself.
    if (!this.env.client.described) return;
    if (declared[capability] === undefined) {
      throw new ProtocolError(
        RpcCode.MISSING_CLIENT_CAPABILITY,
        `This request needs the client capability "${capability}", which the client did not declare.`,
        { requiredCapabilities: { [capability]: {} } },
        400,
      );
    }
  }

  #legacyRequest(spec: InputRequestSpec): Promise<unknown> {
    return this.env.exchange.request(
      spec.method,
      (spec.params ?? {}) as Record<string, unknown>,
      this.signal,
    );
  }

  async #ask(spec: InputRequestSpec): Promise<unknown> {
    this.#requireCapability(spec);
    if (this.#task !== undefined) return (await this.#task.ask({ input: spec })).input;
    if (this.env.era === 'legacy') return this.#legacyRequest(spec);
    const round = this.#round();
    const key = `${CAPABILITY_OF[spec.method]}-${round.next++}`;
    const answer = answerFor(round, key, spec);
    if (answer) return answer.value;
    throw new InputRequiredSignal({ [key]: spec }, round.answers);
  }
}
