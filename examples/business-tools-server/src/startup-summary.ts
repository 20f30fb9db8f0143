import type { ProviderStatus } from './provider.js';

/** The start-up banner: the endpoint, then each provider enabled or disabled (and why). */
export function describeProviders(providers: readonly ProviderStatus[], url: string): string {
  const lines = providers.map((p) =>
    p.status === 'enabled'
      ? `  ✔ ${p.name.padEnd(9)} ${p.description}`
      : `  – ${p.name.padEnd(9)} disabled: ${p.reason}`,
  );
  const base = url.replace(/\/mcp$/, '');
  return (
    `\nmcpkit business-tools server at ${url}\n${lines.join('\n')}\n` +
    `Readiness: ${base}/readyz   Metrics: ${base}/metrics   Stop: Ctrl+C\n\n`
  );
}
