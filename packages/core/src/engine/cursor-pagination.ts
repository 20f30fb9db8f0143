import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, clockNow } from './clock.js';
import { McpkitError } from './errors.js';

/** Where a page starts: an offset into the list, or the upstream's own cursor. */
export type CursorPosition = { offset: number } | { upstream: string };

/** What a cursor is bound to: the list it pages and the filter it was issued for. */
export interface CursorScope {
  /** Name of the list (usually the tool name), e.g. `list_charges`. */
  list: string;
  /** The filter arguments of the list call (anything JSON); key order does not matter. Default: none. */
  filter?: unknown;
}

/** Options of {@link createCursorPagination}. */
export interface CursorPaginationOptions {
  /**
   * Key of the HMAC-SHA-256 that signs every cursor (at least 16 bytes). Instances behind one load
   * balancer must share it. Default: 32 random bytes per process (cursors then die with it).
   */
  secret?: string | Uint8Array;
  /** How long a cursor stays valid, in ms, or `false` for ever. Default: 3 600 000 (one hour). */
  ttlMs?: number | false;
  /** Page size when the call gives none. Default: 50. */
  defaultPageSize?: number;
  /** Largest page size a call may ask for. Default: 200. */
  maxPageSize?: number;
  /** Longest cursor accepted, in characters. Default: 2 048. */
  maxCursorLength?: number;
  /** Clock in ms. Default: `clock`'s. */
  now?: () => number;
  /** The clock read when `now` is not given (see `Clock`). Default: `systemClock`. */
  clock?: Clock;
}

/** A page request: the cursor of the previous page (none for the first) and a page size. */
export interface PageRequest {
  /** The `nextCursor` of the previous page, exactly as returned. */
  cursor?: string | undefined;
  /** Items per page. Default: the pagination's `defaultPageSize`. */
  limit?: number | undefined;
}

/** One page of a list: its items and, when more follow, the cursor of the next page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** What an offset/limit upstream returns for one slice. */
export interface OffsetSlice<T> {
  items: T[];
  /** Total items in the filtered list, when the upstream says. */
  total?: number;
  /** Whether items follow this slice; derived from `total` (or a full slice) when absent. */
  hasMore?: boolean;
}

/** What a cursor-paged upstream returns for one page. */
export interface UpstreamCursorSlice<T> {
  items: T[];
  /** The upstream's cursor of the next page; absent (or empty) on the last one. */
  next?: string | null;
}

/** Signs, verifies and maps opaque list cursors; made by {@link createCursorPagination}. */
export interface CursorPagination {
  /** The largest page size a call may ask for. */
  readonly maxPageSize: number;
  /** A signed cursor for `position` in the list of `scope`. */
  encode(scope: CursorScope, position: CursorPosition): string;
  /**
   * The position a cursor stands for, or undefined for no cursor (the first page). A cursor that is
   * malformed, tampered with, expired, or issued for another list or filter throws `VALIDATION_FAILED`.
   */
  decode(cursor: string | undefined, scope: CursorScope): CursorPosition | undefined;
  /** The page size of a request, defaulted and checked against `maxPageSize` (`VALIDATION_FAILED` past it). */
  pageSize(request: PageRequest): number;
  /** Pages an offset/limit upstream: `fetch(offset, limit)` returns one slice. */
  offsetPage<T>(
    request: PageRequest,
    scope: CursorScope,
    fetch: (offset: number, limit: number) => Promise<OffsetSlice<T>> | OffsetSlice<T>,
  ): Promise<Page<T>>;
  /** Pages a cursor-paged upstream: `fetch(upstreamCursor, limit)` returns one page and the upstream's next cursor. */
  upstreamCursorPage<T>(
    request: PageRequest,
    scope: CursorScope,
    fetch: (
      upstreamCursor: string | undefined,
      limit: number,
    ) => Promise<UpstreamCursorSlice<T>> | UpstreamCursorSlice<T>,
  ): Promise<Page<T>>;
}

/** JSON with object keys sorted, so two equal filters digest alike whatever their key order. */
function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

function scopeDigest(scope: CursorScope): string {
  return createHash('sha256')
    .update(`${scope.list}\n${canonical(scope.filter)}`)
    .digest('base64url')
    .slice(0, 22);
}

type Reason = 'malformed' | 'bad_signature' | 'foreign' | 'expired';

const MESSAGES: Record<Reason, string> = {
  malformed: 'The cursor is not one this server issued.',
  bad_signature: 'The cursor has been altered or was issued by another server.',
  foreign: 'The cursor belongs to another list or to other filter arguments.',
  expired: 'The cursor has expired.',
};

function invalid(reason: Reason): McpkitError {
  return new McpkitError('VALIDATION_FAILED', MESSAGES[reason], {
    retryable: false,
    details: { field: 'cursor', reason },
    hint: 'Pass nextCursor exactly as the previous page of the same list returned it, with the same filter arguments; omit cursor to start again from the first page.',
  });
}

/** The payload a cursor carries, signed: version, scope digest, position, expiry (unix ms). */
interface CursorPayload {
  v: 1;
  s: string;
  o?: number;
  u?: string;
  e?: number;
}

/**
 * Opaque, tamper-evident cursors for list-style tools. Each cursor is `payload.signature`
 * (base64url; HMAC-SHA-256 with the server's secret) and is bound to the list name and a digest
 * of its filter arguments, so a client can neither forge a position nor replay a cursor against
 * another list or filter. `offsetPage()` and `upstreamCursorPage()` map cursors onto an
 * upstream's offset/limit or cursor scheme.
 */
export function createCursorPagination(options: CursorPaginationOptions = {}): CursorPagination {
  const secret =
    options.secret === undefined
      ? randomBytes(32)
      : typeof options.secret === 'string'
        ? Buffer.from(options.secret, 'utf8')
        : Buffer.from(options.secret);
  if (secret.length < 16) {
    throw new McpkitError('VALIDATION_FAILED', 'The cursor secret is shorter than 16 bytes.', {
      hint: 'Use at least 16 random bytes (e.g. `openssl rand -base64 32`), the same on every instance.',
    });
  }
  const ttlMs = options.ttlMs ?? 3_600_000;
  const maxPageSize = options.maxPageSize ?? 200;
  const defaultPageSize = Math.min(options.defaultPageSize ?? 50, maxPageSize);
  const maxLength = options.maxCursorLength ?? 2048;
  const now = clockNow(options);
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest();

  const encode = (scope: CursorScope, position: CursorPosition): string => {
    const payload: CursorPayload = { v: 1, s: scopeDigest(scope) };
    if ('offset' in position) payload.o = position.offset;
    else payload.u = position.upstream;
    if (ttlMs !== false) payload.e = now() + ttlMs;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${sign(body).toString('base64url')}`;
  };

  const decode = (cursor: string | undefined, scope: CursorScope): CursorPosition | undefined => {
    if (cursor === undefined || cursor === '') return undefined;
    if (typeof cursor !== 'string' || cursor.length > maxLength) throw invalid('malformed');
    const dot = cursor.indexOf('.');
    if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw invalid('malformed');
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('bad_signature');
    let payload: CursorPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
    } catch {
      throw invalid('malformed');
    }
    if (payload?.v !== 1) throw invalid('malformed');
    if (payload.s !== scopeDigest(scope)) throw invalid('foreign');
    if (payload.e !== undefined && now() > payload.e) throw invalid('expired');
    if (typeof payload.o === 'number' && Number.isSafeInteger(payload.o) && payload.o >= 0) {
      return { offset: payload.o };
    }
    if (typeof payload.u === 'string') return { upstream: payload.u };
    throw invalid('malformed');
  };

  const pageSize = (request: PageRequest): number => {
    const limit = request.limit ?? defaultPageSize;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new McpkitError(
        'VALIDATION_FAILED',
        `The page size must be an integer from 1 to ${maxPageSize}.`,
        {
          retryable: false,
          details: { field: 'limit', max: maxPageSize },
          hint: `Ask for at most ${maxPageSize} items per page and follow nextCursor for the rest.`,
        },
      );
    }
    return limit;
  };

  return {
    maxPageSize,
    encode,
    decode,
    pageSize,
    async offsetPage(request, scope, fetch) {
      const limit = pageSize(request);
      const position = decode(request.cursor, scope);
      if (position !== undefined && !('offset' in position)) throw invalid('foreign');
      const offset = position?.offset ?? 0;
      const slice = await fetch(offset, limit);
      const items = slice.items.slice(0, limit);
      const end = offset + items.length;
      const more = slice.hasMore ?? (slice.total !== undefined ? end < slice.total : items.length === limit);
      return more && items.length > 0 ? { items, nextCursor: encode(scope, { offset: end }) } : { items };
    },
    async upstreamCursorPage(request, scope, fetch) {
      const limit = pageSize(request);
      const position = decode(request.cursor, scope);
      if (position !== undefined && !('upstream' in position)) throw invalid('foreign');
      const slice = await fetch(position?.upstream, limit);
      const next = slice.next;
      return next
        ? { items: slice.items, nextCursor: encode(scope, { upstream: next }) }
        : { items: slice.items };
    },
  };
}
