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
 * DNS-rebinding protection: the Host header must name an allowed host, and an Origin header, when
 * present, must point at one too. Returns the reason for refusing, or undefined to accept.
 */
export function checkHostAndOrigin(
  headers: Readonly<Record<string, string | undefined>>,
  allowedHosts: ReadonlySet<string>,
  allowedOrigins: ReadonlySet<string> | undefined,
): string | undefined {
  const host = headers.host;
  if (host === undefined || !allowedHosts.has(hostnameOf(host))) {
    return `Host "${host ?? ''}" is not allowed.`;
  }
  const origin = headers.origin;
  if (origin === undefined || origin === 'null')
    return origin === 'null' ? 'Origin "null" is not allowed.' : undefined;
  if (allowedOrigins)
    return allowedOrigins.has(origin.toLowerCase()) ? undefined : `Origin "${origin}" is not allowed.`;
  try {
    return allowedHosts.has(hostnameOf(new URL(origin).host))
      ? undefined
      : `Origin "${origin}" is not allowed.`;
  } catch {
    return `Origin "${origin}" is not a valid origin.`;
  }
}
