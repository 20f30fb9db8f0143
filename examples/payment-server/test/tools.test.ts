import { clientMatrix, expectToolError, type TestClient } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ALL_TOOLS,
  expectedOutcomes,
  MONEY_TOOLS,
  OutcomeLedger,
  READ_TOOLS,
  WRITE_TOOLS,
} from './support/coverage.js';
import {
  assertNoLeaks,
  CARD,
  collected,
  createTestPayments,
  ensureBuilt,
  KEYS,
  MAIN,
  startTestSandbox,
  stderrLines,
  stdioEnv,
  tamperedCursor,
  track,
} from './support/harness.js';

expect.extend(mcpkitMatchers);

// Every tool, in both eras, over Streamable HTTP (the server in this process) and over stdio (the
// built server, launched as an MCP client launches it): one body per era × transport. Each run
// starts its callers' clients once (over stdio a caller is a process: MCP_API_KEY names its key).

type Json = Record<string, unknown>;
const data = (result: { structuredContent?: unknown }) => result.structuredContent as Json;

ensureBuilt();
const sandbox = await startTestSandbox();
const payments = createTestPayments(sandbox);
const runs = clientMatrix({
  server: payments.server,
  stdio: {
    command: process.execPath,
    args: [MAIN, '--stdio'],
    env: stdioEnv(sandbox, KEYS.unattended),
    onStderr: (text) => void collected.stderr.push(text),
  },
  transports: ['http', 'stdio'],
});
const ledgers = new Map<string, OutcomeLedger>();

afterAll(async () => {
  await payments.close();
  await sandbox.close();
  const pairs = [...ledgers.values()].reduce((sum, l) => sum + l.pairs, 0);
  const errors = [...ledgers.values()].reduce((sum, l) => sum + l.errors, 0);
  console.log(
    `[acceptance 1] ${ALL_TOOLS.length} tools × ${new Set(runs.map((r) => r.era)).size} eras × ${new Set(runs.map((r) => r.transport)).size} transports = ${ALL_TOOLS.length * ledgers.size} tool runs, each with its happy path; ${pairs} distinct tool × outcome pairs, ${errors} coded error results`,
  );
  // No provider error message reached a caller, on any transport.
  expect(sandbox.errorMessages.length).toBeGreaterThan(0);
  const messages = new Set(sandbox.errorMessages);
  expect(collected.results.filter((r) => [...messages].some((m) => r.includes(m)))).toEqual([]);
  expect(stderrLines().length).toBeGreaterThan(0);
  expect(stderrLines().filter((line) => line.includes(KEYS.unattended))).toEqual([]);
  assertNoLeaks('tools');
});

for (const run of runs) {
  describe(`payment tools [${run.name}]`, () => {
    const slug = `${run.era}-${run.transport}`;
    const ledger = new OutcomeLedger();
    ledgers.set(run.name, ledger);
    let consent: 'accept' | 'decline' = 'accept';
    const asked: string[] = [];
    let robot: TestClient;
    let reader: TestClient;
    let intern: TestClient;
    let alice: TestClient;

    /** One caller's client: the key in a header over HTTP, in MCP_API_KEY over stdio. */
    const connect = async (key: string, headers: Record<string, string> = {}) =>
      track(
        await run.connect({
          headers: { 'x-api-key': key, ...headers },
          env: { MCP_API_KEY: key },
          elicitation: (params) => {
            asked.push(params.message);
            return consent === 'accept'
              ? { action: 'accept', content: { confirm: true } }
              : { action: 'decline' };
          },
        }),
        (tool, result) => ledger.record(tool, result),
      );

    beforeAll(async () => {
      [robot, reader, intern, alice] = await Promise.all([
        connect(KEYS.unattended, { 'x-request-id': `req-${slug}-0001` }),
        connect(KEYS.reader),
        connect(KEYS.intern),
        connect(KEYS.attended),
      ]);
    }, 60_000);
    afterAll(() => run.close());

    /** The audit records of this run's server: in this process over HTTP, the child's log lines over stdio. */
    const auditRecords = async (): Promise<Json[]> => {
      if (run.transport === 'http') {
        await payments.audit.flush();
        return collected.audit as unknown as Json[];
      }
      return stderrLines().flatMap((line) => {
        const parsed = JSON.parse(line) as { audit?: Json };
        return parsed.audit ? [parsed.audit] : [];
      });
    };

    /** A charge authorized but not captured. */
    const held = async () =>
      data(
        await robot.callTool('create_charge', {
          amount: 4000,
          currency: 'thb',
          card: 'tokn_test_visa',
          capture: false,
        }),
      );

    it('lands on its era and lists every tool with an input and an output schema', async () => {
      expect(robot.era).toBe(run.era);
      const { tools } = await robot.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...ALL_TOOLS].sort());
      for (const tool of tools) expect(tool.outputSchema, tool.name).toBeDefined();
    });

    it('creates, reads, updates, lists and deletes a customer; an unknown one is NOT_FOUND', async () => {
      const email = `ada-${slug}@example.com`;
      const created = data(await robot.callTool('create_customer', { email, description: 'first' }));
      expect(created.id).toMatch(/^cust_test_/);
      const id = created.id as string;
      expect(data(await robot.callTool('get_customer', { customerId: id })).email).toBe(email);
      expect(
        data(await robot.callTool('update_customer', { customerId: id, description: 'second' })).description,
      ).toBe('second');
      // The update voided the cached read.
      expect(data(await robot.callTool('get_customer', { customerId: id })).description).toBe('second');
      const listed = data(await robot.callTool('list_customers', { limit: 100 })).items as Json[];
      expect(listed.map((c) => c.id)).toContain(id);
      expect(data(await robot.callTool('delete_customer', { customerId: id }))).toEqual({
        id,
        deleted: true,
      });
      const gone = expectToolError(await robot.callTool('get_customer', { customerId: id }), 'NOT_FOUND');
      expect(gone.details).toMatchObject({ status: 404, providerCode: 'not_found' });
      expectToolError(
        await robot.callTool('update_customer', { customerId: id, description: 'third' }),
        'NOT_FOUND',
      );
      expect(await robot.callTool('delete_customer', { customerId: id })).toBeToolError('NOT_FOUND');
      expectToolError(
        await robot.callTool('create_charge', { amount: 2000, currency: 'thb', customer: id }),
        'NOT_FOUND',
      );
    });

    it('charges a card token, audits the movement with amount and idempotency key, and forwards the request id', async () => {
      const args = {
        amount: 2500,
        currency: 'thb',
        card: 'tokn_test_visa',
        idempotencyKey: `order-${slug}-1`,
      };
      const charge = data(await robot.callTool('create_charge', args));
      expect(charge).toMatchObject({ amount: 2500, currency: 'thb', status: 'successful', paid: true });
      const record = await vi.waitFor(async () => {
        const found = (await auditRecords()).find(
          (r) =>
            r.tool === 'create_charge' &&
            r.outcome === 'ok' &&
            JSON.stringify(r.fields).includes(charge.id as string),
        );
        if (!found) throw new Error('no audit record yet');
        return found;
      });
      expect(record.caller).toBe('robot');
      expect(record.fields).toMatchObject({
        payment: { action: 'charge', amount: 2500, currency: 'thb', objectId: charge.id },
      });
      expect(((record.fields as Json).payment as Json).idempotency).toMatch(/^mcp_/);
      // The call's request id reached the provider (over HTTP, the one the client sent).
      expect(sandbox.requestIds).toContain(record.requestId);
      if (run.transport === 'http') expect(record.requestId).toBe(`req-${slug}-0001`);
      // The same key again is the same charge, not a second one.
      expect(data(await robot.callTool('create_charge', args)).id).toBe(charge.id);
      const reused = expectToolError(
        await robot.callTool('create_charge', { ...args, amount: 9900 }),
        'CONFLICT',
      );
      expect(reused.hint).toMatch(/new idempotencyKey/);
    });

    it('validates amounts per currency: THB needs 2000 satang, JPY 100 yen, whole numbers only', async () => {
      const charge = (amount: number, currency: string) =>
        robot.callTool('create_charge', { amount, currency, card: 'tokn_test_visa' });
      expect(await charge(1500, 'thb')).toBeToolError('VALIDATION_FAILED');
      expect(data(await charge(1500, 'jpy')).status).toBe('successful');
      expect(await charge(50, 'jpy')).toBeToolError('VALIDATION_FAILED');
      expect(await charge(2000.5, 'thb')).toBeToolError('VALIDATION_FAILED');
      expect(await charge(2000, 'eur')).toBeToolError('VALIDATION_FAILED');
      expect(await robot.callTool('create_transfer', { amount: 100 })).toBeToolError('VALIDATION_FAILED');
    });

    it('never accepts card data: numbers, CVCs and card numbers hidden in free text are refused', async () => {
      const before = sandbox.store.charges.size;
      for (const args of [
        { amount: 2000, currency: 'thb', card: CARD.number },
        { amount: 2000, currency: 'thb', card: 'tokn_test_visa', number: CARD.number, cvc: CARD.cvc },
        { amount: 2000, currency: 'thb', card: 'tokn_test_visa', description: `card ${CARD.spaced}` },
        { amount: 2000, currency: 'thb', card: 'tokn_test_visa', metadata: { note: CARD.number } },
      ]) {
        const refused = await robot.callTool('create_charge', args);
        expect(refused).toBeToolError('VALIDATION_FAILED');
        expect(JSON.stringify(refused)).not.toContain(CARD.number);
      }
      expect(sandbox.store.charges.size).toBe(before);
    });

    it('returns a 3-D Secure charge as pending with a hint, and captures or reverses an authorization once', async () => {
      const pending = data(
        await robot.callTool('create_charge', { amount: 3000, currency: 'thb', card: 'tokn_test_3ds' }),
      );
      expect(pending.status).toBe('pending');
      expect(pending.next_action).toMatch(/3-D Secure/);
      const first = await held();
      expect(first.next_action).toMatch(/capture_charge/);
      expect(data(await robot.callTool('get_charge', { chargeId: first.id })).status).toBe('pending');
      expect(data(await robot.callTool('capture_charge', { chargeId: first.id })).status).toBe('successful');
      // The capture voided the cached pending state.
      expect(data(await robot.callTool('get_charge', { chargeId: first.id })).status).toBe('successful');
      const twice = expectToolError(
        await robot.callTool('capture_charge', { chargeId: first.id }),
        'VALIDATION_FAILED',
      );
      expect(twice.details).toMatchObject({ status: 400, providerCode: 'failed_capture' });
      expect(await robot.callTool('reverse_charge', { chargeId: first.id })).toBeToolError(
        'VALIDATION_FAILED',
      );
      const other = await held();
      expect(data(await robot.callTool('reverse_charge', { chargeId: other.id })).status).toBe('reversed');
      for (const tool of ['get_charge', 'capture_charge', 'reverse_charge'])
        expect(await robot.callTool(tool, { chargeId: 'chrg_test_nosuch' })).toBeToolError('NOT_FOUND');
      const declined = data(
        await robot.callTool('create_charge', { amount: 2000, currency: 'thb', card: 'tokn_test_declined' }),
      );
      expect(declined).toMatchObject({ status: 'failed', failure_code: 'insufficient_fund' });
    });

    it('refunds in part and in batches, lists refunds and transfers, and maps provider 4xx without its message', async () => {
      const charge = data(
        await robot.callTool('create_charge', { amount: 10_000, currency: 'thb', card: 'tokn_test_visa' }),
      );
      const refund = data(await robot.callTool('create_refund', { chargeId: charge.id, amount: 4000 }));
      expect(refund).toMatchObject({ amount: 4000, currency: 'thb', charge: charge.id });
      expect(data(await robot.callTool('get_charge', { chargeId: charge.id })).refunded_amount).toBe(4000);
      const refunds = data(await robot.callTool('list_refunds', { chargeId: charge.id })).items as Json[];
      expect(refunds.map((r) => r.id)).toEqual([refund.id]);
      const tooMuch = expectToolError(
        await robot.callTool('create_refund', { chargeId: charge.id, amount: 7000 }),
        'VALIDATION_FAILED',
      );
      expect(tooMuch.details).toMatchObject({ status: 400, providerCode: 'failed_refund' });
      expect(JSON.stringify(tooMuch)).not.toContain('exceeds the refundable');
      expect(await robot.callTool('create_refund', { chargeId: 'chrg_test_nosuch' })).toBeToolError(
        'NOT_FOUND',
      );
      expect(await robot.callTool('list_refunds', { chargeId: 'chrg_test_nosuch' })).toBeToolError(
        'NOT_FOUND',
      );
      const batch = data(
        await robot.callTool('refund_charges', {
          items: [
            { chargeId: charge.id, amount: 1000 },
            { chargeId: charge.id, amount: 1000 },
            { chargeId: 'chrg_test_nosuch' },
          ],
        }),
      );
      expect(batch).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
      expect((batch.results as Json[])[2]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const transfer = data(await robot.callTool('create_transfer', { amount: 50_000 }));
      expect(transfer).toMatchObject({ amount: 50_000, currency: 'thb' });
      expect(
        (data(await robot.callTool('list_transfers', { limit: 100 })).items as Json[]).map((t) => t.id),
      ).toContain(transfer.id);
    });

    it('searches charges by filter and pages every list with signed cursors', async () => {
      await robot.callTool('create_charge', { amount: 700, currency: 'usd', card: 'tokn_test_visa' });
      const page = data(await robot.callTool('search_charges', { currency: 'usd', status: 'successful' }));
      const items = page.items as Json[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((c) => c.currency === 'usd' && c.status === 'successful')).toBe(true);
      const first = data(await robot.callTool('list_charges', { limit: 1 }));
      expect(first.nextCursor).toEqual(expect.any(String));
      const tampered = tamperedCursor(first.nextCursor as string);
      for (const tool of ['list_charges', 'list_customers', 'list_transfers', 'search_charges'])
        expect(await robot.callTool(tool, { cursor: tampered }), tool).toMatchObject({
          isError: true,
          structuredContent: { error: { code: 'VALIDATION_FAILED' } },
        });
      // A cursor of one list is foreign to another.
      expectToolError(
        await robot.callTool('list_transfers', { cursor: first.nextCursor }),
        'VALIDATION_FAILED',
      );
    });

    it('refuses bad arguments to every tool with VALIDATION_FAILED before the provider is asked', async () => {
      const before = sandbox.stats.requests;
      const cases: Array<[string, Json]> = [
        ['create_customer', { email: 'not-an-email' }],
        ['get_customer', { customerId: 'chrg_test_wrongkind' }],
        ['update_customer', { customerId: 'cust_test_x', email: 'nope' }],
        ['delete_customer', { customerId: '' }],
        ['list_customers', { limit: 0 }],
        ['get_charge', { chargeId: 'cust_test_wrongkind' }],
        ['capture_charge', { chargeId: 'chrg_test_x', idempotencyKey: 'short' }],
        ['reverse_charge', {}],
        ['list_charges', { limit: 101 }],
        ['search_charges', { status: 'lost' }],
        ['create_refund', { chargeId: 'chrg_test_x', amount: -5 }],
        ['list_refunds', { chargeId: 'refund-me' }],
        ['refund_charges', { items: [] }],
        ['refund_charges', { items: Array.from({ length: 51 }, () => ({ chargeId: 'chrg_test_x' })) }],
        ['create_transfer', { amount: 50_000, currency: 'jpy' }],
        ['list_transfers', { cursor: 42 }],
      ];
      for (const [tool, args] of cases)
        expect(await robot.callTool(tool, args), tool).toMatchObject({
          isError: true,
          structuredContent: { error: { code: 'VALIDATION_FAILED' } },
        });
      expect(sandbox.stats.requests).toBe(before);
    });

    it('refuses keys without the scope: reads need payments:read, writes payments:write', async () => {
      expect((await reader.callTool('list_charges', {})).isError).toBeFalsy();
      const args: Record<string, Json> = {
        get_customer: { customerId: 'cust_test_x' },
        list_customers: {},
        get_charge: { chargeId: 'chrg_test_x' },
        list_charges: {},
        search_charges: {},
        list_refunds: { chargeId: 'chrg_test_x' },
        list_transfers: {},
        create_customer: { email: 'x@example.com' },
        update_customer: { customerId: 'cust_test_x', description: 'x' },
        delete_customer: { customerId: 'cust_test_x' },
        create_charge: { amount: 2000, currency: 'thb', card: 'tokn_test_visa' },
        capture_charge: { chargeId: 'chrg_test_x' },
        reverse_charge: { chargeId: 'chrg_test_x' },
        create_refund: { chargeId: 'chrg_test_x' },
        refund_charges: { items: [{ chargeId: 'chrg_test_x' }] },
        create_transfer: { amount: 50_000 },
      };
      const before = sandbox.stats.requests;
      for (const tool of READ_TOOLS) {
        const refused = expectToolError(await intern.callTool(tool, args[tool]), 'FORBIDDEN');
        expect(refused.details, tool).toMatchObject({ reason: 'insufficient_scope' });
      }
      for (const tool of [...WRITE_TOOLS, ...MONEY_TOOLS]) {
        const refused = expectToolError(await reader.callTool(tool, args[tool]), 'FORBIDDEN');
        expect(refused.details, tool).toMatchObject({ reason: 'insufficient_scope' });
      }
      expect(sandbox.stats.requests).toBe(before);
    });

    it('asks an attended caller to confirm every money movement; a decline moves no money', async () => {
      consent = 'accept';
      asked.length = 0;
      const ok = await alice.callTool('create_charge', {
        amount: 2000,
        currency: 'thb',
        card: 'tokn_test_visa',
      });
      expect(data(ok).status).toBe('successful');
      expect(asked[0]).toMatch(/20\.00 THB/);
      const charge = data(ok).id as string;
      const authorization = (await held()).id as string;
      consent = 'decline';
      const before = sandbox.stats.requests;
      const attempts: Record<string, Json> = {
        create_charge: { amount: 2000, currency: 'thb', card: 'tokn_test_visa' },
        capture_charge: { chargeId: authorization },
        reverse_charge: { chargeId: authorization },
        create_refund: { chargeId: charge },
        refund_charges: { items: [{ chargeId: charge }] },
        create_transfer: { amount: 50_000 },
      };
      for (const tool of MONEY_TOOLS) {
        const declined = expectToolError(await alice.callTool(tool, attempts[tool]), 'FORBIDDEN');
        expect(declined.details, tool).toMatchObject({ consent: 'declined' });
      }
      expect(asked.length).toBe(1 + MONEY_TOOLS.length);
      expect(sandbox.stats.requests).toBe(before);
    });

    it("has seen every tool's happy path and its coded errors", () => {
      expect(ledger.missing()).toEqual([]);
      for (const tool of ALL_TOOLS) expect(expectedOutcomes(tool)).toContain('ok');
    });
  });
}
