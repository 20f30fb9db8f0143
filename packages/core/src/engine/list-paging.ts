import { createHash } from 'node:crypto';
import type { McpMethod } from './context.js';
import { McpkitError } from './errors.js';
import type { Middleware, ScopedMiddleware } from './middleware.js';

/** The list methods that can be paged, and the key of each one's item array. */
const LISTS = {
  'tools/list': 'tools',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
  'prompts/list': 'prompts',
} as const satisfies Partial<Record<McpMethod, string>>;

type ListMethod = keyof typeof LISTS;
type ListResult = Record<string, unknown> & { nextCursor?: string };

/** A full list's pages, made once per list: the same item arrays answer every request. */
interface Paged {
  digest: string;
  pages: ListResult[];
}

function invalidCursor(method: string): McpkitError {
  return new McpkitError('VALIDATION_FAILED', `The cursor is not one of this server's ${method} pages.`, {
    retryable: false,
    details: { field: 'cursor' },
    hint: `Pass nextCursor back exactly as ${method} returned it, or call ${method} without a cursor to start again (the list may have changed).`,
  });
}

/** Digest of a list's item names: a cursor made for one list (or an older one) is refused by another. */
function digestOf(items: readonly unknown[]): string {
  const hash = createHash('sha256');
  for (const item of items) {
    const named = item as { name?: string; uri?: string; uriTemplate?: string };
    hash.update(`${named.uri ?? named.uriTemplate ?? ''} ${named.name ?? ''}\n`);
  }
  return hash.digest('base64url').slice(0, 12);
}

/**
 * The innermost layer of the list methods when `listPageSize` is set: it cuts the full list the
 * registry answers into pages of `pageSize` and answers the page the request's `cursor` names,
 * with `nextCursor` while more follow. Middleware outside it (auth filtering, for one) see one
 * page. Cursors are `<digest>.<page>` in base64url, valid on every instance serving the same list;
 * anything else is `VALIDATION_FAILED` (JSON-RPC `-32602`).
 */
export function listPaging(pageSize: number): ScopedMiddleware {
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new McpkitError('VALIDATION_FAILED', `listPageSize must be a whole number ≥ 1 (got ${pageSize}).`, {
      hint: 'Set listPageSize to the number of items per page, or leave it out to answer every list in one page.',
    });
  }
  // Keyed by the full result object the registry answers, so a new list gets new pages.
  const cache = new WeakMap<object, Paged>();
  const paginate = (method: ListMethod, full: ListResult): Paged => {
    let paged = cache.get(full);
    if (paged) return paged;
    const key = LISTS[method];
    const items = (full[key] as readonly unknown[] | undefined) ?? [];
    const digest = digestOf(items);
    const pages: ListResult[] = [];
    for (let start = 0, index = 0; start < items.length || index === 0; start += pageSize, index++) {
      const page: ListResult = { ...full, [key]: Object.freeze(items.slice(start, start + pageSize)) };
      if (start + pageSize < items.length)
        page.nextCursor = Buffer.from(`${digest}.${index + 1}`).toString('base64url');
      else delete page.nextCursor;
      pages.push(page);
    }
    paged = { digest, pages };
    cache.set(full, paged);
    return paged;
  };

  const layer: Middleware<McpMethod> = async (ctx, next) => {
    const method = ctx.method as ListMethod;
    const cursor = ctx.params.cursor;
    const full = (await next()) as unknown as ListResult;
    const { digest, pages } = paginate(method, full);
    // A copy of the page object per request: outer middleware may replace its item array.
    if (cursor === undefined) return { ...pages[0] } as never;
    if (typeof cursor !== 'string') throw invalidCursor(method);
    const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
    // Only the exact text this layer wrote: base64url decoding forgives trailing junk.
    if (Buffer.from(decoded).toString('base64url') !== cursor) throw invalidCursor(method);
    const [given, index] = decoded.split('.') as [string, string | undefined];
    const page = index !== undefined && /^[1-9]\d{0,8}$/.test(index) ? pages[Number(index)] : undefined;
    if (given !== digest || page === undefined) throw invalidCursor(method);
    return { ...page } as never;
  };
  return { methods: new Set<McpMethod>(Object.keys(LISTS) as ListMethod[]), fn: layer };
}
