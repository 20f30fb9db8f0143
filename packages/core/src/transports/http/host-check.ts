/** Hostnames that name this machine's loopback interface. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** True when binding to `host` only exposes the server on loopback. */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** The hostname part of a Host header (`example.com:8080` → `example.com`, `[::1]:80` → `[::1]`). */
export function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/**
 * DNS-rebinding protection. With `allowedHosts`, the Host header must name one of them; an Origin
 * header, when present, must be in `allowedOrigins` if given, else point at an allowed host.
 * Either list may be absent (not checked). Returns the reason for refusing, or undefined to accept.
 */
export function checkHostAndOrigin(
  headers: Readonly<Record<string, string | undefined>>,
  allowedHosts: ReadonlySet<string> | undefined,
  allowedOrigins: ReadonlySet<string> | undefined,
): string | undefined {
  const host = headers.host;
  if (allowedHosts && (host === undefined || !allowedHosts.has(hostnameOf(host)))) {
    return `Host "${host ?? ''}" is not allowed.`;
  }
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (allowedOrigins) {
    return allowedOrigins.has(origin.toLowerCase()) ? undefined : `Origin "${origin}" is not allowed.`;
  }
  if (!allowedHosts) return undefined;
  if (origin === 'null') return 'Origin "null" is not allowed.';
  try {
    return allowedHosts.has(hostnameOf(new URL(origin).host))
      ? undefined
      : `Origin "${origin}" is not allowed.`;
  } catch {
    return `Origin "${origin}" is not a valid origin.`;
  }
}
