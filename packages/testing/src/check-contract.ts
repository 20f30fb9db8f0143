import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpkitServer, ServerBuilder } from '@mcpkit/core';
import { diffContracts } from './contract-diff.js';
import { formatContract, type ServerContract, serverContract } from './server-contract.js';
import type { TestClient } from './test-client.js';

/** When {@link checkContract} may write the file: always (`all`), only when missing (`new`), or never (`none`, for CI). */
export type ContractUpdate = 'all' | 'new' | 'none';

/** What {@link checkContract} found. */
export interface ContractCheck {
  /** `matched` the file; `written` (created or updated, as `update` allowed); `changed`; or `missing` with `update: 'none'`. */
  status: 'matched' | 'written' | 'changed' | 'missing';
  /** The server's contract now. */
  contract: ServerContract;
  /** It, formatted as the file holds it. */
  actual: string;
  /** The file's content, when there was one. */
  expected?: string;
  /** Readable differences from the file to now (see `diffContracts`); empty unless `changed`. */
  diff: string[];
}

/**
 * Compares a server's contract with the one recorded in `file` (JSON written by `formatContract`).
 * Default `update`: `new`, which writes a missing file and never overwrites one.
 */
export async function checkContract(
  target: McpkitServer | ServerBuilder | TestClient,
  file: string | URL,
  options: { update?: ContractUpdate } = {},
): Promise<ContractCheck> {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  const update = options.update ?? 'new';
  const contract = await serverContract(target);
  const actual = formatContract(contract);
  const write = () => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  };
  if (!existsSync(path)) {
    if (update === 'none') return { status: 'missing', contract, actual, diff: [] };
    write();
    return { status: 'written', contract, actual, diff: [] };
  }
  const expected = readFileSync(path, 'utf8');
  let recorded: unknown;
  try {
    recorded = JSON.parse(expected);
  } catch {
    recorded = expected;
  }
  const diff = diffContracts(recorded, JSON.parse(actual));
  if (diff.length === 0) return { status: 'matched', contract, actual, expected, diff };
  if (update === 'all') {
    write();
    return { status: 'written', contract, actual, expected, diff };
  }
  return { status: 'changed', contract, actual, expected, diff };
}
