import type { RedactOptions } from '@mcpkit/core';
import type { Cassette, CassetteEntry } from './cassette.js';
import { exchangeRedactor } from './redact-exchange.js';

/** Options of {@link recordUpstream}. */
export interface RecordUpstreamOptions {
  /** The real `fetch` the recorder calls through. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Redaction on top of core's (the same redactor the logs use, with every secret registered via
   * `registerSecrets`): extra key names, the censor text.
   */
  redact?: RedactOptions;
}

/** A `fetch` that calls the real upstream and remembers every exchange, redacted. */
export interface UpstreamRecorder {
  /** Pass it where the code under test takes a `fetch` (`createUpstream(name, { fetch })`). */
  readonly fetch: typeof fetch;
  /** The exchanges so far, in order; save it with `saveCassette`. */
  cassette(): Cassette;
}

/**
 * Records real HTTP responses once, for {@link replayUpstream} to serve in CI. Each request and
 * response is redacted with core's redactor before it is kept — authorization and cookie headers,
 * secret-looking keys in JSON bodies and query strings, registered secret values — so a cassette
 * can be committed.
 */
export function recordUpstream(options: RecordUpstreamOptions = {}): UpstreamRecorder {
  const real = options.fetch ?? globalThis.fetch;
  const redactor = exchangeRedactor(options.redact);
  const entries: CassetteEntry[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const sent = request.body ? await request.clone().text() : undefined;
    const response = await real(request);
    const text = await response.clone().text();
    entries.push({
      request: {
        method: request.method,
        origin: url.origin,
        path: redactor.path(url.pathname + url.search),
        ...(sent !== undefined ? { body: redactor.body(sent, request.headers.get('content-type')) } : {}),
      },
      response: {
        status: response.status,
        headers: redactor.headers(response.headers),
        body: redactor.body(text, response.headers.get('content-type')),
      },
    });
    return response;
  };
  return {
    fetch: recording,
    cassette: () => ({ version: 1, entries: structuredClone(entries) }),
  };
}
