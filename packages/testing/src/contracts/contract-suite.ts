import { isDeepStrictEqual } from 'node:util';

/** One named check of a contract suite. */
export interface ContractTest {
  readonly name: string;
  run(): Promise<void>;
}

/** A reusable suite of checks for one contract; run it with `runContractSuite` or `describeContract`. */
export interface ContractSuite {
  readonly name: string;
  readonly tests: readonly ContractTest[];
}

/** What `runContractSuite` found: the names of the checks that passed, and those that failed with why. */
export interface ContractReport {
  passed: string[];
  failed: Array<{ name: string; error: unknown }>;
}

/** Thrown by a check whose store does not keep the contract; the message says what was expected. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/** Runs every check of a suite one after the other, with any test runner (or none); never throws. */
export async function runContractSuite(suite: ContractSuite): Promise<ContractReport> {
  const report: ContractReport = { passed: [], failed: [] };
  for (const test of suite.tests) {
    try {
      await test.run();
      report.passed.push(test.name);
    } catch (error) {
      report.failed.push({ name: test.name, error });
    }
  }
  return report;
}

/** Fails a check unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** Fails a check unless `actual` deeply equals `expected`. */
export function ensureEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new ContractViolation(
      `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    );
  }
}

/** Resolves to how `work` settled, failing the check when it takes longer than `ms` (a store must never hang). */
export async function settlesWithin<T>(
  work: () => T | Promise<T>,
  ms: number,
  what: string,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ContractViolation(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(work), timeout]);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ContractViolation) throw error;
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** A per-run unique prefix for the keys a suite writes, so runs against a shared backend never collide. */
export function uniquePrefix(suite: string): string {
  return `contract:${suite}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
}
