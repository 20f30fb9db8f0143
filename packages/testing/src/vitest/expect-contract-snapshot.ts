import type { McpkitServer, ServerBuilder } from '@mcpkit/core';
import { expect } from 'vitest';
import { type ContractCheck, type ContractUpdate, checkContract } from '../check-contract.js';
import type { TestClient } from '../test-client.js';

/** Thrown by {@link expectContractSnapshot} when the contract changed; vitest shows `expected`/`actual` as a diff. */
export class ContractChangedError extends Error {
  override readonly name = 'ContractChangedError';
  readonly showDiff = true;
  constructor(
    message: string,
    readonly expected: string,
    readonly actual: string,
    readonly diff: readonly string[],
  ) {
    super(message);
  }
}

/** vitest's snapshot mode of this run: `all` under `-u`, `none` in CI, `new` otherwise. */
function vitestUpdateMode(): ContractUpdate {
  const state = expect.getState().snapshotState as { snapshotUpdateState?: ContractUpdate } | undefined;
  return state?.snapshotUpdateState ?? 'new';
}

/**
 * Asserts that a server's public contract (see `serverContract`) matches the one recorded in
 * `file`. Like vitest's snapshots it writes a missing file (not in CI) and rewrites it under
 * `vitest -u`; otherwise a change fails with one line per changed path, then the full diff.
 */
export async function expectContractSnapshot(
  target: McpkitServer | ServerBuilder | TestClient,
  file: string | URL,
  options: { update?: ContractUpdate } = {},
): Promise<ContractCheck> {
  const check = await checkContract(target, file, { update: options.update ?? vitestUpdateMode() });
  if (check.status === 'missing') {
    throw new Error(
      `No contract recorded at ${String(file)}; run the tests once outside CI (or with -u) to write it.`,
    );
  }
  if (check.status === 'changed') {
    throw new ContractChangedError(
      `The server's contract changed (${check.diff.length} ${check.diff.length === 1 ? 'difference' : 'differences'}; run with -u if intended):\n${check.diff.map((line) => `  ${line}`).join('\n')}`,
      check.expected ?? '',
      check.actual,
      check.diff,
    );
  }
  return check;
}
