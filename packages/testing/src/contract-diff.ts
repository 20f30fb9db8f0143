import type { ContractValue } from './server-contract.js';

/** One segment of a path: plain when it reads as an identifier, bracketed and quoted otherwise. */
function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function show(value: ContractValue | undefined): string {
  return JSON.stringify(value);
}

function isObject(value: unknown): value is { [key: string]: ContractValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function walk(
  before: ContractValue | undefined,
  after: ContractValue | undefined,
  path: string,
  out: string[],
): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], `${path}${segment(key)}`, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++)
      walk(before[i], after[i], `${path}${segment(i)}`, out);
    return;
  }
  const name = path.replace(/^\./, '');
  if (before === undefined && after !== undefined) out.push(`+ ${name}: ${show(after)}`);
  else if (before !== undefined && after === undefined) out.push(`- ${name}: ${show(before)}`);
  else if (show(before) !== show(after)) out.push(`~ ${name}: ${show(before)} → ${show(after)}`);
}

/**
 * The differences between two contracts (or any JSON values), one line each, by path:
 * `+ path: value` added, `- path: value` removed, `~ path: old → new` changed. Empty when equal.
 */
export function diffContracts(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  walk(before as ContractValue, after as ContractValue, '', out);
  return out;
}
