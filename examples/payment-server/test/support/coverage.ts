import type { TestClient } from '@mcpkit/testing';

type ToolResult = Awaited<ReturnType<TestClient['callTool']>>;

/** Tools that only read. */
export const READ_TOOLS = [
  'get_customer',
  'list_customers',
  'get_charge',
  'list_charges',
  'search_charges',
  'list_refunds',
  'list_transfers',
] as const;
/** Tools that change customers (no money moves). */
export const WRITE_TOOLS = ['create_customer', 'update_customer', 'delete_customer'] as const;
/** Tools that move money: they ask for consent unless the key allows unattended use. */
export const MONEY_TOOLS = [
  'create_charge',
  'capture_charge',
  'reverse_charge',
  'create_refund',
  'refund_charges',
  'create_transfer',
] as const;
export const ALL_TOOLS = [...READ_TOOLS, ...WRITE_TOOLS, ...MONEY_TOOLS];

/** Tools taking a provider object id: an unknown one is the provider's 404, mapped to `NOT_FOUND`. */
const ID_TOOLS = [
  'get_customer',
  'update_customer',
  'delete_customer',
  'get_charge',
  'capture_charge',
  'reverse_charge',
  'create_refund',
  'list_refunds',
  'create_charge',
];

/** What a run must have seen of each tool, besides its happy path (`ok`). */
export function expectedOutcomes(tool: string): string[] {
  const outcomes = ['ok', 'VALIDATION_FAILED', 'FORBIDDEN (insufficient scope)'];
  if ((MONEY_TOOLS as readonly string[]).includes(tool)) outcomes.push('FORBIDDEN (consent declined)');
  if (ID_TOOLS.includes(tool)) outcomes.push('NOT_FOUND (provider 404)');
  if (['capture_charge', 'reverse_charge', 'create_refund'].includes(tool))
    outcomes.push('VALIDATION_FAILED (provider 400)');
  if (tool === 'create_charge') outcomes.push('CONFLICT (provider 422)');
  return outcomes;
}

/** Names a tool result's outcome: `ok`, or its code and where the error came from. */
export function outcomeOf(result: ToolResult): string {
  if (!result.isError) return 'ok';
  const error = (
    result.structuredContent as { error?: { code: string; details?: Record<string, unknown> } } | undefined
  )?.error;
  if (!error) return 'uncoded error';
  const details = error.details ?? {};
  if (typeof details.status === 'number') return `${error.code} (provider ${details.status})`;
  if (details.reason === 'insufficient_scope') return `${error.code} (insufficient scope)`;
  if (details.consent === 'declined') return `${error.code} (consent declined)`;
  return error.code;
}

/** The outcomes each tool had in one run. */
export class OutcomeLedger {
  readonly #seen = new Map<string, Set<string>>();
  /** Coded error results recorded. */
  errors = 0;

  record(tool: string, result: ToolResult): void {
    const outcome = outcomeOf(result);
    if (outcome !== 'ok') this.errors += 1;
    const set = this.#seen.get(tool) ?? new Set<string>();
    set.add(outcome);
    this.#seen.set(tool, set);
  }

  /** Each tool's expected outcomes this run has not seen, `tool: outcome`. */
  missing(): string[] {
    return ALL_TOOLS.flatMap((tool) =>
      expectedOutcomes(tool)
        .filter((outcome) => !this.#seen.get(tool)?.has(outcome))
        .map((outcome) => `${tool}: ${outcome}`),
    );
  }

  /** Distinct tool × outcome pairs seen. */
  get pairs(): number {
    let count = 0;
    for (const set of this.#seen.values()) count += set.size;
    return count;
  }
}
