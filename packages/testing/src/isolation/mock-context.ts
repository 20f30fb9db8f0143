import {
  type AuthIdentity,
  type ContextOf,
  type ContextState,
  createTelemetry,
  type Era,
  type InputRequestSpec,
  type Logger,
  type McpMethod,
  ProtocolError,
  RpcCode,
  silentLogger,
  type Telemetry,
  type ToolCallContext,
} from '@mcpkit/core';
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  Root,
} from '@modelcontextprotocol/client';
import type { CapturedLog, CapturedProgress } from '../test-client.js';

/** Everything a mock context recorded of what the code under test asked of the client. */
export interface RecordedCalls {
  /** `ctx.progress(...)` calls, in order. */
  progress: CapturedProgress[];
  /** `ctx.log(...)` calls, in order. */
  logs: CapturedLog[];
  /** Elicitation requests (`ctx.elicit`, and the elicitation entries of `ctx.requestInputs`), in order. */
  elicitations: ElicitRequestParams[];
  /** Sampling requests, in order. */
  samplings: CreateMessageRequestParams[];
  /** How many times the roots were asked for. */
  rootsRequests: number;
}

/** Options of {@link mockContext} (and of `runMiddleware` and `runToolHandler`). */
export interface MockContextOptions {
  /** Era of the request. Default: `modern`. */
  era?: Era;
  /** Tool, prompt or resource URI the request targets. Default: `test_tool` for `tools/call`, none otherwise. */
  name?: string;
  /** Raw arguments (`tools/call`, `prompts/get`); for a tool also its validated `args` unless `args` is given. */
  arguments?: Record<string, unknown>;
  /** Validated arguments of a `tools/call` (`ctx.args`). Default: `arguments`. */
  args?: unknown;
  /** The tool's listing entry fields (annotations, schemas, `_meta`) for `ctx.tool`. */
  tool?: Partial<ToolCallContext['tool']>;
  /** Request headers, any case (lower-cased in the context). */
  headers?: Record<string, string>;
  /** The verified identity, as an auth middleware would set it. */
  auth?: AuthIdentity;
  /** Values an outer middleware would have passed in `ctx.state`. */
  state?: Partial<ContextState>;
  /** Client address (`ctx.clientAddress` and `ctx.remoteAddress`). Default: undefined, as in process. */
  clientAddress?: string;
  /** Request id. Default: `req-test`. */
  requestId?: string;
  /** Cancellation signal. Default: one that never aborts. */
  signal?: AbortSignal;
  /** Logger behind `ctx.logger`. Default: `silentLogger`. */
  logger?: Logger;
  /** Telemetry channel. Default: a fresh one. */
  telemetry?: Telemetry;
  /** Answers elicitation (declares the capability). Without it, `ctx.elicit` rejects with the missing-capability error. */
  elicitation?: (params: ElicitRequestParams) => ElicitResult | Promise<ElicitResult>;
  /** Answers sampling (declares the capability). */
  sampling?: (params: CreateMessageRequestParams) => CreateMessageResult | Promise<CreateMessageResult>;
  /** Roots to report (declares the capability). */
  roots?: Root[];
}

/** A hand-made request context with what it recorded. */
export type MockContext<M extends McpMethod = 'tools/call'> = ContextOf<M> & {
  readonly recorded: RecordedCalls;
};

function missing(capability: string): ProtocolError {
  return new ProtocolError(
    RpcCode.MISSING_CLIENT_CAPABILITY,
    `This request needs the client capability "${capability}", which the client did not declare.`,
    { requiredCapabilities: { [capability]: {} } },
    400,
  );
}

/**
 * A request context for `method` built by hand, for running a middleware or a handler without a
 * server: progress, logs and input requests are recorded in `ctx.recorded`, and elicitation,
 * sampling and roots are answered by the functions you give (or refused as by a client that lacks
 * the capability).
 */
export function mockContext<M extends McpMethod = 'tools/call'>(
  method: M = 'tools/call' as M,
  options: MockContextOptions = {},
): MockContext<M> {
  const recorded: RecordedCalls = {
    progress: [],
    logs: [],
    elicitations: [],
    samplings: [],
    rootsRequests: 0,
  };
  const capabilities: ClientCapabilities = {};
  if (options.elicitation) capabilities.elicitation = {};
  if (options.sampling) capabilities.sampling = {};
  if (options.roots) capabilities.roots = {};
  const elicit = async (params: ElicitRequestParams): Promise<ElicitResult> => {
    recorded.elicitations.push(params);
    if (!options.elicitation) throw missing('elicitation');
    return options.elicitation(params);
  };
  const sample = async (params: CreateMessageRequestParams): Promise<CreateMessageResult> => {
    recorded.samplings.push(params);
    if (!options.sampling) throw missing('sampling');
    return options.sampling(params);
  };
  const listRoots = async () => {
    recorded.rootsRequests++;
    if (!options.roots) throw missing('roots');
    return { roots: options.roots };
  };
  const name = options.name ?? (method === 'tools/call' ? 'test_tool' : undefined);
  const raw = options.arguments ?? {};
  const base = {
    requestId: options.requestId ?? 'req-test',
    rpcId: 1,
    era: options.era ?? 'modern',
    protocolVersion: (options.era ?? 'modern') === 'modern' ? '2026-07-28' : '2025-11-25',
    method,
    name,
    params: { ...(name !== undefined ? { name } : {}), ...(options.arguments ? { arguments: raw } : {}) },
    auth: options.auth,
    headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    remoteAddress: options.clientAddress,
    clientAddress: options.clientAddress,
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? silentLogger,
    telemetry: options.telemetry ?? createTelemetry(),
    client: { info: { name: 'mock-client', version: '1.0.0' }, capabilities, described: true },
    state: { ...options.state },
    recorded,
    progress(progress: number, total?: number, message?: string) {
      recorded.progress.push({
        progress,
        ...(total !== undefined ? { total } : {}),
        ...(message !== undefined ? { message } : {}),
      });
    },
    closeStream: () => false,
    log(level: CapturedLog['level'], data: unknown, logger?: string) {
      recorded.logs.push({ level, data, ...(logger !== undefined ? { logger } : {}) });
    },
    elicit,
    sample,
    listRoots,
    async requestInputs<K extends string>(
      requests: Record<K, InputRequestSpec>,
    ): Promise<Record<K, unknown>> {
      const answers = {} as Record<K, unknown>;
      for (const [key, spec] of Object.entries(requests) as Array<[K, InputRequestSpec]>) {
        if (spec.method === 'elicitation/create') answers[key] = await elicit(spec.params);
        else if (spec.method === 'sampling/createMessage') answers[key] = await sample(spec.params);
        else answers[key] = await listRoots();
      }
      return answers;
    },
  };
  if (method === 'tools/call') {
    return {
      ...base,
      name: name as string,
      tool: { name: name as string, inputSchema: { type: 'object' }, ...options.tool },
      arguments: raw,
      args: options.args ?? raw,
      taskId: undefined,
      detach: async () => {},
    } as unknown as MockContext<M>;
  }
  if (method === 'resources/read') {
    return {
      ...base,
      name: name ?? 'test://resource',
      uri: name ?? 'test://resource',
    } as unknown as MockContext<M>;
  }
  if (method === 'prompts/get') {
    return { ...base, name: name ?? 'test_prompt', arguments: raw } as unknown as MockContext<M>;
  }
  return base as unknown as MockContext<M>;
}
