import { connectTaskRequester, type TaskRequester } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assertNoLeaks,
  collected,
  type Instance,
  KEYS,
  startInstance,
  startPayments,
} from './support/harness.js';

// A charge waiting for 3-D Secure runs as a task for a client that supports tasks, in both eras,
// through the official clients over HTTP: the task's status names the page the customer must
// visit, and the task ends when the sandbox reports the charge authorized or failed.

type Json = Record<string, unknown>;
type Payments = Awaited<ReturnType<typeof startPayments>>;

let env: Payments;

beforeAll(async () => {
  // Legacy-era tasks over HTTP need sessions: the extension is declared once, at `initialize`.
  env = await startPayments({ serve: { sessions: true }, threeDSecure: { pollIntervalMs: 10 } });
});
afterAll(async () => {
  await env.close();
  assertNoLeaks('3-D Secure tasks');
});

const THREE_DS = { amount: 3000, currency: 'thb', card: 'tokn_test_3ds' } as const;

/** `era`'s official client at `url`, calling tools as tasks as the caller holding `key`. */
const requesterOf = (era: 'modern' | 'legacy', url: string, key: string) =>
  connectTaskRequester(era, url, { headers: { 'x-api-key': key }, clientName: 'payments-test' });

/** Keeps every task result for the secret grep. */
function keepResults(requester: TaskRequester): TaskRequester {
  const run = requester.run.bind(requester);
  requester.run = async (...args) => {
    const outcome = await run(...args);
    collected.results.push(JSON.stringify(outcome));
    return outcome;
  };
  return requester;
}

/** The authorize page named in a status message. */
const pageIn = (message: string) => /send them to (\S+)$/.exec(message)?.[1];

/** The customer, in their browser, on the authorize page: presses Authorize or Fail. */
async function customerOn(page: string, result: 'authorized' | 'failed'): Promise<void> {
  const response = await fetch(page, { method: 'POST', body: new URLSearchParams({ result }) });
  expect(response.status).toBe(200);
  await response.text();
}

/** The audit record of the `create_charge` call that made charge `id`, once the call has ended. */
async function auditOf(id: string): Promise<Json> {
  return vi.waitFor(async () => {
    await env.instance.payments.audit.flush();
    const record = collected.audit.find(
      (r) => r.tool === 'create_charge' && JSON.stringify(r.fields).includes(id),
    );
    if (!record) throw new Error('the call has not ended');
    return record as unknown as Json;
  });
}

describe.each(['modern', 'legacy'] as const)('3-D Secure as a task (%s era)', (era) => {
  let robot: TaskRequester;
  beforeAll(async () => {
    robot = keepResults(await requesterOf(era, env.instance.served.url, KEYS.unattended));
  });
  afterAll(() => robot.close());

  it('answers a charge without 3-D Secure on the request, task-capable client or not', async () => {
    const run = await robot.run('create_charge', { ...THREE_DS, card: 'tokn_test_visa' });
    expect(run.status).toBe('immediate');
    expect(run.result?.structuredContent).toMatchObject({ status: 'successful', paid: true });
  });

  it('creates a task whose status names the authorize page, and ends with the charge captured once the customer authorizes', async () => {
    const statuses: string[] = [];
    let customer: Promise<void> | undefined;
    const run = await robot.run('create_charge', THREE_DS, {
      onStatus: (message) => {
        statuses.push(message);
        const page = pageIn(message);
        // The client shows the page; the customer completes 3-D Secure there.
        if (page && !customer) customer = customerOn(page, 'authorized');
      },
    });
    await customer;
    expect(run.status).toBe('completed');
    expect(run.taskId).toEqual(expect.any(String));
    const charge = run.result?.structuredContent as Json;
    expect(charge).toMatchObject({ status: 'successful', authorized: true, paid: true, amount: 3000 });
    expect(charge.next_action).toBeUndefined();
    expect(statuses[0]).toMatch(/^Waiting for the customer to complete 3-D Secure for chrg_test_/);
    expect(env.sandbox.store.charges.get(charge.id as string)?.status).toBe('successful');
    // The handler polled the provider until the customer finished.
    expect(env.sandbox.requestsTo('GET', `/charges/${charge.id}`)).toBeGreaterThan(0);
    const record = await auditOf(charge.id as string);
    expect(record).toMatchObject({
      outcome: 'ok',
      caller: 'robot',
      fields: { payment: { action: 'charge' } },
    });
    // The task's end voided the cached charge: a read shows it captured.
    const reader = await env.instance.connect({ era, key: KEYS.reader });
    const read = await reader.callTool('get_charge', { chargeId: charge.id });
    expect(read.structuredContent).toMatchObject({ status: 'successful' });
    await reader.close();
  });

  it('ends the task with a coded FORBIDDEN result when 3-D Secure fails, and no money moved', async () => {
    let customer: Promise<void> | undefined;
    const run = await robot.run('create_charge', THREE_DS, {
      onStatus: (message) => {
        const page = pageIn(message);
        if (page && !customer) customer = customerOn(page, 'failed');
      },
    });
    await customer;
    expect(run.status).toBe('completed');
    expect(run.result?.isError).toBe(true);
    const error = (run.result?.structuredContent as { error: Json } | undefined)?.error as Json;
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      retryable: false,
      details: { reason: 'three_d_secure_failed', providerCode: 'authentication_failure' },
    });
    expect(error.hint).toMatch(/another card/);
    const id = (error.details as Json).chargeId as string;
    expect(env.sandbox.store.charges.get(id)).toMatchObject({ status: 'failed', paid: false });
  });

  it('stops polling the provider when the client cancels: the poll in flight is closed and none follows', async () => {
    // The provider sits on the first poll, so the cancel finds the handler mid-request.
    const hold = env.sandbox.hold('GET', '/charges/chrg_');
    let created: (taskId: string) => void = () => {};
    const taskId = new Promise<string>((resolve) => {
      created = resolve;
    });
    const settled = robot.run('create_charge', THREE_DS, { onTask: created });
    await hold.arrived;
    await robot.cancel(await taskId);
    // The handler's signal aborted the provider request it was waiting on…
    await hold.closed;
    expect((await settled).status).toBe('cancelled');
    const id = [...env.sandbox.store.charges.values()].at(-1)?.id as string;
    expect(env.sandbox.store.awaitsThreeDSecure(id)).toBe(true);
    // …and the handler returned (its audit record is written when the call ends): nothing polls now.
    const record = await auditOf(id);
    expect(record.outcome).toBe('error');
    hold.release();
    expect(env.sandbox.requestsTo('GET', `/charges/${id}`)).toBe(1);
    // The customer finishing now changes nothing for the cancelled task.
    env.sandbox.completeThreeDSecure(id, 'authorized');
    expect(env.sandbox.requestsTo('GET', `/charges/${id}`)).toBe(1);
  });
});

describe('3-D Secure without tasks, or without the customer', () => {
  let patient: Instance;
  beforeAll(async () => {
    patient = await startInstance(env.sandbox, { threeDSecure: { pollIntervalMs: 5, waitMs: 20 } });
  });
  afterAll(async () => {
    await patient.served.close();
    await patient.payments.close();
  });

  it.each(['modern', 'legacy'] as const)(
    'gives a %s client without tasks the pending charge and its hint at once',
    async (era) => {
      const client = await env.instance.connect({ era, key: KEYS.unattended });
      const result = await client.callTool('create_charge', THREE_DS);
      expect(result.structuredContent).toMatchObject({ status: 'pending', authorized: false });
      const charge = result.structuredContent as Json;
      expect(charge.next_action).toMatch(/authorize_uri.*get_charge/);
      expect(env.sandbox.requestsTo('GET', `/charges/${charge.id}`)).toBe(0);
      await client.close();
    },
  );

  it('returns the charge still pending, with its hint, when the customer never finishes within waitMs', async () => {
    const robot = keepResults(await requesterOf('modern', patient.served.url, KEYS.unattended));
    const run = await robot.run('create_charge', THREE_DS);
    await robot.close();
    expect(run.status).toBe('completed');
    const charge = run.result?.structuredContent as Json;
    expect(charge).toMatchObject({ status: 'pending', authorized: false });
    expect(charge.next_action).toMatch(/3-D Secure/);
    expect(env.sandbox.store.awaitsThreeDSecure(charge.id as string)).toBe(true);
  });
});
