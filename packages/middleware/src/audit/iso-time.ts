// The date and time of the second last formatted: records arrive many per second, so most calls
// only append the milliseconds to this prefix instead of formatting a whole Date.
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Largest epoch second whose ISO form has a four-digit year (9999-12-31T23:59:59Z). */
const LAST_FOUR_DIGIT_SECOND = 253_402_300_799;

/** `new Date(epochMs).toISOString()` for whole milliseconds, cheaply (the second's prefix is cached). */
export function isoTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (!Number.isInteger(epochMs) || second < 0 || second > LAST_FOUR_DIGIT_SECOND) {
    return new Date(epochMs).toISOString();
  }
  if (second !== cachedSecond) {
    // `YYYY-MM-DDTHH:MM:SS.` — the milliseconds and the `Z` are appended per call.
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const ms = epochMs - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
