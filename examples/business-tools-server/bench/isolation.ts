// Isolation under faults (issue 19, acceptance 2): p99 latency of 200 SMS + database calls while the
// CRM sandbox hangs every request, against the same run with the CRM healthy; and how fast CRM
// calls fail once its breaker is open. Needs PostgreSQL at DATABASE_URL.
// Usage: pnpm --dir examples/business-tools-server bench:isolation [-- --hang-ms 10000 --rounds 5]
import type { TestClient } from '@mcpkit/testing';
import { type Harness, seedSchema, startHarness } from '../test/fixtures/harness.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const HANG_MS = arg('hang-ms', 10_000);
const ROUNDS = arg('rounds', 5);
const CALLS = 200;
const IN_FLIGHT = 20;

const p = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};

async function timed(call: () => Promise<{ isError?: boolean; structuredContent?: unknown }>) {
  const started = performance.now();
  const result = await call();
  const code = result.isError ? (result.structuredContent as { error: { code: string } }).error.code : 'OK';
  return { ms: performance.now() - started, code };
}

/** 200 SMS and database calls, IN_FLIGHT at a time; their latencies and failures. */
async function otherProviders(client: TestClient): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < CALLS; i = next++) {
      const { ms, code } = await timed(() =>
        i % 2 === 0
          ? client.callTool('sms_send', { to: `+1555${String(i).padStart(7, '0')}`, body: `bench ${i}` })
          : client.callTool('db_query', { sql: 'SELECT id, name FROM customers WHERE id = $1', params: [i] }),
      );
      latencies.push(ms);
      if (code !== 'OK') failures++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { latencies, failures };
}

/** CRM callers calling in a loop until `stop` resolves; the outcome codes and latencies. */
function crmLoad(client: TestClient, stop: Promise<unknown>) {
  const outcomes: Array<{ ms: number; code: string }> = [];
  let done = false;
  void stop.then(() => {
    done = true;
  });
  const caller = async () => {
    while (!done)
      outcomes.push(await timed(() => client.callTool('crm_get', { objectType: 'contacts', id: '1000' })));
  };
  return { outcomes, finished: Promise.all(Array.from({ length: 10 }, caller)) };
}

async function round(harness: Harness, client: TestClient, faulted: boolean) {
  harness.crm.faults.hangMs = faulted ? HANG_MS : 0;
  const others = otherProviders(client);
  const crm = crmLoad(client, others);
  const { latencies, failures } = await others;
  await crm.finished;
  harness.crm.faults.hangMs = 0;
  return { p50: p(latencies, 0.5), p99: p(latencies, 0.99), failures, crm: crm.outcomes };
}

// Every refused CRM call is logged at warn; thousands of them would measure the terminal.
process.env.LOG_LEVEL ??= 'error';
const schema = `biz_bench_${process.pid}`;
await seedSchema(schema);
// The SMS outbound limit (default 50/s) would pace the 100 sends; this measures isolation, not pacing.
const harness = await startHarness({ schema, env: { SMS_RATE_PER_SECOND: '1000' } });
const client = await harness.connect('modern');
await client.callTool('crm_create', { objectType: 'contacts', properties: { email: 'bench@example.com' } });
await otherProviders(client); // warm-up

const ratios: number[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const base = await round(harness, client, false);
  const fault = await round(harness, client, true);
  const open = fault.crm.filter((o) => o.code === 'CIRCUIT_OPEN');
  const tally = (outcomes: Array<{ code: string }>) => {
    const counts = new Map<string, number>();
    for (const o of outcomes) counts.set(o.code, (counts.get(o.code) ?? 0) + 1);
    return [...counts].map(([code, n]) => `${code} ${n}`).join(', ');
  };
  ratios.push(fault.p99 / base.p99);
  console.log(
    `round ${r}: unfaulted p50 ${base.p50.toFixed(1)} ms p99 ${base.p99.toFixed(1)} ms | CRM hanging ${HANG_MS} ms: p50 ${fault.p50.toFixed(1)} ms p99 ${fault.p99.toFixed(1)} ms (×${(fault.p99 / base.p99).toFixed(2)}), SMS+DB failures ${base.failures}/${fault.failures} | CRM healthy: ${tally(base.crm)}; hanging: ${tally(fault.crm)}; CIRCUIT_OPEN ${open.length} with p99 ${p(
      open.map((o) => o.ms),
      0.99,
    ).toFixed(1)} ms`,
  );
  // Let the breaker close again (half-open after 10 s, then a trial succeeds) before the next round.
  if (r < ROUNDS) {
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    await client.callTool('crm_get', { objectType: 'contacts', id: '1000' });
  }
}
const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? Number.NaN;
console.log(`median p99 ratio faulted/unfaulted: ×${median.toFixed(2)} (target ≤ 1.5)`);
await harness.close();
process.exit(median <= 1.5 ? 0 : 1);
