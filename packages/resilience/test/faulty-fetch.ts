/** A seeded, faulty upstream transport on the fake clock, shared by the chaos tests. */
import { seededRandom } from '@mcpkit/testing';

export type Fault = '5xx' | '429' | 'reset' | 'hang';
export const KINDS: readonly Fault[] = ['5xx', '429', 'reset', 'hang'];
const SERVER_ERRORS = [500, 502, 503, 504] as const;
const SERVICE_MS = 20;

/**
 * An upstream on the fake clock: each attempt fails with probability `rate` (5xx, 429 with
 * `Retry-After: retryAfter` (seconds; default 1), a connection reset, or a hang that only the caller's abort ends), otherwise
 * answers `{ ok: true, id }` (the path's last segment) after 20 ms. On fake time the latencies are the policy's alone, whatever the machine.
 */
export function faultyFetch(rate: number, seed: number, retryAfter = '1') {
  const random = seededRandom(seed);
  const seen: Array<Fault | 'ok'> = [];
  // What a socket does for a real request: holds its signal, so an abort still reaches a hang.
  const open = new Set<AbortSignal>();
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const id = url.pathname.split('/').at(-1) ?? '';
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const [hit, kindDraw, detailDraw] = [random(), random(), random()];
    const fault = hit < rate ? (KINDS[Math.floor(kindDraw * KINDS.length)] ?? '5xx') : undefined;
    seen.push(fault ?? 'ok');
    return new Promise<Response>((resolve, reject) => {
      const aborted = () => {
        if (signal) open.delete(signal);
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      if (signal?.aborted) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      if (signal) open.add(signal);
      if (fault === 'hang') return;
      setTimeout(() => {
        signal?.removeEventListener('abort', aborted);
        if (signal) open.delete(signal);
        if (fault === 'reset') {
          const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
          reject(new TypeError('fetch failed', { cause }));
        } else if (fault === '5xx') {
          resolve(new Response(null, { status: SERVER_ERRORS[Math.floor(detailDraw * 4)] ?? 503 }));
        } else if (fault === '429') {
          resolve(new Response(null, { status: 429, headers: { 'retry-after': retryAfter } }));
        } else {
          resolve(Response.json({ ok: true, id }));
        }
      }, SERVICE_MS);
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}
