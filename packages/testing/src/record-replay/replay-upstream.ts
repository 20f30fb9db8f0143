import type { RedactOptions } from '@mcpkit/core';
import { MockAgent } from 'undici';
import type { Cassette } from './cassette.js';
import { exchangeRedactor } from './redact-exchange.js';

/** Options of {@link replayUpstream}. */
export interface ReplayUpstreamOptions {
  /** The redaction the cassette was recorded with (requests are matched after the same redaction). Default: core's. */
  redact?: RedactOptions;
}

/** A `fetch` that answers from a cassette and never reaches the network. */
export interface UpstreamReplay {
  /** Pass it where the code under test takes a `fetch` (`createUpstream(name, { fetch })`). */
  readonly fetch: typeof fetch;
  /** The undici `MockAgent` serving the cassette, for extra interceptors of your own. */
  readonly agent: MockAgent;
  /** Throws when some recorded exchange was not requested (the code under test changed what it calls). */
  assertAllReplayed(): void;
  close(): Promise<void>;
}

/**
 * Serves a recorded cassette through undici's `MockAgent` with network access disabled: each
 * recorded exchange answers one request of the same method, origin, path and body (compared after
 * the recording's redaction, so a real or dummy key in CI matches a redacted one), in recorded
 * order. A request the cassette does not hold fails (`fetch failed`, cause `MockNotMatchedError`)
 * instead of going out.
 */
export function replayUpstream(cassette: Cassette, options: ReplayUpstreamOptions = {}): UpstreamReplay {
  const redactor = exchangeRedactor(options.redact);
  const agent = new MockAgent();
  agent.disableNetConnect();
  for (const { request, response } of cassette.entries) {
    const recordedBody = request.body;
    agent
      .get(request.origin)
      .intercept({
        method: request.method,
        path: (path: string) => redactor.path(path) === request.path,
        ...(recordedBody !== undefined
          ? {
              // Recorded as JSON or as text, by the request's content type: either redaction may match.
              body: (body: string) =>
                redactor.body(body, 'application/json') === recordedBody ||
                redactor.body(body, null) === recordedBody,
            }
          : {}),
      })
      .reply(response.status, response.body, { headers: response.headers });
  }
  const replaying: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    // Node's fetch takes undici's `dispatcher` option (not in the DOM types).
    return fetch(request, { dispatcher: agent } as RequestInit);
  };
  return {
    fetch: replaying,
    agent,
    assertAllReplayed: () => agent.assertNoPendingInterceptors(),
    close: () => agent.close(),
  };
}
