import type {
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
} from '@modelcontextprotocol/client';

/** The four paginated listings. */
export type ListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

interface ListResults {
  tools: ListToolsResult;
  resources: ListResourcesResult;
  resourceTemplates: ListResourceTemplatesResult;
  prompts: ListPromptsResult;
}

/** One item of a listing: a tool, a resource, a resource template or a prompt. */
export type ListedItem<K extends ListKind> =
  ListResults[K][K] extends ReadonlyArray<infer Item> ? Item : never;

/** Fetches one page of a listing. */
export type ListPager = (cursor: string | undefined) => Promise<ListResults[ListKind]>;

/** Pages a listing can have before the iterator gives up on a server whose cursor never ends. */
const MAX_PAGES = 10_000;

/**
 * Yields every item of a listing, fetching the next page only when the previous one is used up.
 * Stops at a repeated cursor (a server looping) and after {@link MAX_PAGES} pages.
 */
export async function* listAll<K extends ListKind>(kind: K, page: ListPager): AsyncGenerator<ListedItem<K>> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const result = (await page(cursor)) as ListResults[K];
    for (const item of result[kind] as ReadonlyArray<ListedItem<K>>) yield item;
    const next = result.nextCursor;
    if (next === undefined || next === '' || seen.has(next)) return;
    seen.add(next);
    cursor = next;
  }
}
