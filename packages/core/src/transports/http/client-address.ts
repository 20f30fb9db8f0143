/**
 * Which proxies in front of the server are trusted to report the client's address in
 * `X-Forwarded-For`: a number of hops (`1`: one proxy, the peer, appended the client's address),
 * or the proxies' own addresses (exact IPv4/IPv6 addresses, IPv4 CIDR ranges such as
 * `10.0.0.0/8`, or `'loopback'`).
 */
export type TrustProxy = number | readonly string[];

/**
 * The client's address under a {@link TrustProxy} rule, read from the right as proxies append:
 * the connection's peer first, then `X-Forwarded-For` from its last entry leftwards, skipping
 * only hops that are trusted. Whatever the client itself wrote to the left of the first untrusted
 * hop is never used. With no rule (or `0`), the peer address.
 */
export function clientAddressOf(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trust: TrustProxy | undefined,
): string | undefined {
  const direct = peer === undefined ? undefined : normalizeAddress(peer);
  if (trust === undefined || trust === 0 || forwardedFor === undefined || direct === undefined) return direct;
  const hops = forwardedFor.split(',');
  if (typeof trust === 'number') {
    // `trust` hops, the peer included: the address that many entries from the right end.
    let address = direct;
    for (let i = hops.length - 1, n = 0; i >= 0 && n < trust; i--, n++) {
      const hop = normalizeAddress((hops[i] as string).trim());
      if (hop === '') break;
      address = hop;
    }
    return address;
  }
  const trusted = compileTrust(trust);
  let address = direct;
  for (let i = hops.length - 1; i >= 0 && trusted(address); i--) {
    const hop = normalizeAddress((hops[i] as string).trim());
    if (hop === '') break;
    address = hop;
  }
  return address;
}

/** `::ffff:1.2.3.4` as `1.2.3.4`, lower-cased; other values as given (trimmed). */
function normalizeAddress(address: string): string {
  const value = address.trim().toLowerCase();
  return value.startsWith('::ffff:') && value.includes('.') ? value.slice(7) : value;
}

const compiled = new WeakMap<readonly string[], (address: string) => boolean>();

/** A predicate for a list of trusted proxy addresses (memoized per list: the request path only tests). */
function compileTrust(list: readonly string[]): (address: string) => boolean {
  let test = compiled.get(list);
  if (test) return test;
  const exact = new Set<string>();
  const ranges: Array<{ base: number; mask: number }> = [];
  for (const entry of list) {
    const value = normalizeAddress(entry);
    if (value === 'loopback') {
      ranges.push({ base: ipv4('127.0.0.0') as number, mask: maskOf(8) });
      exact.add('::1');
      continue;
    }
    const slash = value.indexOf('/');
    const base = slash === -1 ? undefined : ipv4(value.slice(0, slash));
    if (base !== undefined) {
      const bits = Number(value.slice(slash + 1));
      if (Number.isInteger(bits) && bits >= 0 && bits <= 32) {
        const mask = maskOf(bits);
        ranges.push({ base: (base & mask) >>> 0, mask });
        continue;
      }
    }
    exact.add(value);
  }
  test = (address) => {
    if (exact.has(address)) return true;
    if (ranges.length === 0) return false;
    const value = ipv4(address);
    return value !== undefined && ranges.some((r) => (value & r.mask) >>> 0 === r.base);
  };
  compiled.set(list, test);
  return test;
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (part === '' || !Number.isInteger(n) || n < 0 || n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}
