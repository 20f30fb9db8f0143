/** Cache tag of every recall of `tenant` without a tag filter. */
export function recallTagAll(tenant: string): string {
  return `recall:${tenant}:all`;
}

/** Cache tag of the recalls of `tenant` filtered by `tag`. */
export function recallTagFor(tenant: string, tag: string): string {
  return `recall:${tenant}:tag:${tag}`;
}

/** The cache tags a write touching memories with `tags` (before and after) makes stale. */
export function staleRecallTags(tenant: string, tags: Iterable<string>): string[] {
  return [recallTagAll(tenant), ...[...new Set(tags)].map((tag) => recallTagFor(tenant, tag))];
}
