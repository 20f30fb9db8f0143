import type { HealthCheck } from './definitions.js';

/** The result of one readiness check. */
export interface HealthCheckReport {
  healthy: boolean;
  durationMs: number;
  details?: Record<string, unknown>;
  error?: string;
}

/** The readiness report served on `/readyz`. */
export interface HealthReport {
  healthy: boolean;
  version: string;
  checks: Record<string, HealthCheckReport>;
}

/** How long one check may take before it counts as unhealthy. */
const CHECK_TIMEOUT_MS = 5_000;

async function runOne(check: HealthCheck): Promise<HealthCheckReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`health check timed out after ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    });
    const value = await Promise.race([Promise.resolve().then(check), timeout]);
    const durationMs = Math.round(performance.now() - started);
    if (value === undefined || value === true) return { healthy: true, durationMs };
    if (value === false) return { healthy: false, durationMs };
    return { healthy: value.healthy, durationMs, ...(value.details ? { details: value.details } : {}) };
  } catch (error) {
    return {
      healthy: false,
      durationMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check concurrently; the server is ready only when all pass. */
export async function runHealthChecks(
  checks: ReadonlyArray<{ name: string; check: HealthCheck }>,
  version: string,
): Promise<HealthReport> {
  const reports = await Promise.all(
    checks.map(async ({ name, check }) => [name, await runOne(check)] as const),
  );
  return { healthy: reports.every(([, r]) => r.healthy), version, checks: Object.fromEntries(reports) };
}
