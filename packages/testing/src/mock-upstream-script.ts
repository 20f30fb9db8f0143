/** One scripted answer of a {@link MockUpstream} route. */
export interface MockReply {
  /** HTTP status. Default: 200. */
  status?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** Body: strings and buffers are sent as they are, anything else as JSON. Default: `{ "ok": true }` for 2xx, empty otherwise. */
  body?: unknown;
  /** Sets `Retry-After` to this delay, in ms (sent in whole seconds, rounded up). For an HTTP date, set the header in `headers`. */
  retryAfterMs?: number;
  /** Waits this long before sending the response headers. Default: 0. */
  delayMs?: number;
  /** Never answers: the request stays open until the client gives up or the mock closes. */
  hang?: boolean;
  /** Resets the connection (TCP RST) instead of answering. */
  reset?: boolean;
  /** Sends a body of exactly this many bytes (`x` repeated), for response-size limits. */
  bodyBytes?: number;
  /** Slow body: sends the body in `chunks` pieces with this delay before each. Default: 0 (all at once). */
  chunkDelayMs?: number;
  /** Number of pieces of a slow body. Default: 5. */
  chunks?: number;
}

/** A recorded request, as the mock received it. */
export interface RecordedRequest {
  /** Position in {@link MockUpstream.requests}, from 0. */
  readonly index: number;
  /** HTTP method, upper-case. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query string without `?` (empty when there is none). */
  readonly query: string;
  /** Request headers, lower-cased. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw request body (empty when there is none). */
  readonly body: string;
  /** `Date.now()` when the request arrived (follows fake clocks). */
  readonly receivedAt: number;
  /** What the mock did: `status:503`, `reset`, `hang`, or `fault:…` when the random-fault mode chose. */
  outcome: string;
  /** `Date.now()` when the client closed the connection before the response was complete. */
  closedEarlyAt: number | undefined;
}

/**
 * One step of a route's script: a status code, a full reply, or a function of the request. A
 * route answers its n-th request with its n-th step; the last step repeats once the list runs out.
 */
export type MockStep =
  | number
  | MockReply
  | ((request: RecordedRequest) => number | MockReply | Promise<number | MockReply>);

/** The kinds of fault the random-fault mode draws from. */
export type MockFaultKind = '5xx' | '429' | 'reset' | 'hang';

/** Random-fault mode: each request fails with probability `rate`, drawn from a seeded generator. */
export interface MockFaults {
  /** Probability in [0, 1] that a request gets a fault instead of its route's answer. */
  rate: number;
  /** Seed of the generator: the same seed and request order give the same faults. */
  seed: number;
  /** Fault kinds to draw from, uniformly. Default: all of `5xx`, `429`, `reset`, `hang`. */
  kinds?: readonly MockFaultKind[];
  /** `Retry-After` sent with fault 429s, in ms (sent in whole seconds, rounded up). Default: 1 000. */
  retryAfterMs?: number;
}

/** A small, seedable pseudo-random generator (mulberry32): deterministic fault sequences. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ALL_FAULTS: readonly MockFaultKind[] = ['5xx', '429', 'reset', 'hang'];
const SERVER_ERRORS = [500, 502, 503, 504] as const;

/** Draws the faults of a {@link MockFaults} configuration, one decision per request. */
export function faultDrawer(faults: MockFaults): () => MockReply | undefined {
  const random = seededRandom(faults.seed);
  const kinds = faults.kinds && faults.kinds.length > 0 ? faults.kinds : ALL_FAULTS;
  return () => {
    // Three draws per request whatever the outcome, so one decision never shifts the next ones.
    const hit = random();
    const kindDraw = random();
    const detailDraw = random();
    if (hit >= faults.rate) return undefined;
    const kind = kinds[Math.floor(kindDraw * kinds.length)] ?? '5xx';
    switch (kind) {
      case '5xx':
        return { status: SERVER_ERRORS[Math.floor(detailDraw * SERVER_ERRORS.length)] ?? 503 };
      case '429':
        return { status: 429, retryAfterMs: faults.retryAfterMs ?? 1_000 };
      case 'reset':
        return { reset: true };
      case 'hang':
        return { hang: true };
    }
  };
}

/** A scripted route: which requests it answers and how. */
export interface MockRoute {
  readonly method: string;
  readonly path: string;
  readonly steps: readonly MockStep[];
  hits: number;
}

/** True when a route pattern (`*`, `/prefix/*` or an exact path; method `*` or a name) matches. */
export function routeMatches(route: MockRoute, method: string, path: string): boolean {
  if (route.method !== '*' && route.method !== method) return false;
  if (route.path === '*' || route.path === path) return true;
  return route.path.endsWith('/*') && path.startsWith(route.path.slice(0, -1));
}

/** Turns a step into a reply for one request. */
export async function replyFor(step: MockStep, request: RecordedRequest): Promise<MockReply> {
  const value = typeof step === 'function' ? await step(request) : step;
  return typeof value === 'number' ? { status: value } : value;
}
