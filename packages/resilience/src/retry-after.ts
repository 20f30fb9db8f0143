/**
 * Parses a `Retry-After` header into milliseconds from `now`: delta-seconds (decimals accepted,
 * as some APIs send them) or an HTTP date. Returns undefined when absent or unparseable; a date in
 * the past gives 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1_000);
  // Only something that looks like a date (it names a day or month) is parsed as one; Date.parse
  // would read "-1" as the year -1.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
