import { randomBytes } from 'node:crypto';
import { amountProblem, CURRENCIES, type Currency } from '../currencies.js';

/** A provider answer before it is written: status and JSON body. */
export interface SandboxReply {
  status: number;
  body: Record<string, unknown>;
  /** Provider event the change produced (sent as a webhook). */
  event?: SandboxEvent;
}

/** A provider event, as delivered to webhooks. */
export interface SandboxEvent {
  object: 'event';
  id: string;
  key: string;
  created_at: string;
  data: Record<string, unknown>;
}

type Row = Record<string, unknown> & { id: string; created_at: string };

/** Ids shaped like the provider's: `chrg_test_…`, unguessable. */
const newId = (prefix: string) => `${prefix}_test_${randomBytes(9).toString('hex')}`;

const fail = (status: number, code: string, message: string): SandboxReply => ({
  status,
  body: { object: 'error', location: `https://docs.example.test/errors/${code}`, code, message },
});

/** Tokens with a scripted outcome (a real provider's test tokens work the same way). */
const TOKENS = {
  declined: 'tokn_test_declined',
  threeDSecure: 'tokn_test_3ds',
} as const;

/** The sandbox's records and the provider rules over them; the HTTP layer adds auth, idempotency and faults. */
export class SandboxStore {
  readonly customers = new Map<string, Row>();
  readonly charges = new Map<string, Row>();
  readonly refunds = new Map<string, Row>();
  readonly transfers = new Map<string, Row>();
  readonly events: SandboxEvent[] = [];
  /** Where a charge's `authorize_uri` points: the sandbox's own 3-D Secure page (set once it listens). */
  authorizeBase = 'http://sandbox.invalid';
  #clock = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Creation times strictly increase, so lists have one stable order. */
  #stamp(): string {
    this.#clock = Math.max(this.#clock + 1, this.#now());
    return new Date(this.#clock).toISOString();
  }

  #event(key: string, data: Row): SandboxEvent {
    const event: SandboxEvent = {
      object: 'event',
      id: newId('evnt'),
      key,
      created_at: this.#stamp(),
      data: { ...data },
    };
    this.events.push(event);
    if (this.events.length > 10_000) this.events.shift();
    return event;
  }

  createCustomer(input: Record<string, unknown>): SandboxReply {
    if (typeof input.email !== 'string' || !input.email.includes('@')) {
      return fail(400, 'invalid_customer', 'email is invalid');
    }
    const customer: Row = {
      object: 'customer',
      id: newId('cust'),
      livemode: false,
      email: input.email,
      description: typeof input.description === 'string' ? input.description : null,
      metadata: (input.metadata as Record<string, string> | undefined) ?? {},
      deleted: false,
      created_at: this.#stamp(),
    };
    this.customers.set(customer.id, customer);
    return { status: 200, body: customer, event: this.#event('customer.create', customer) };
  }

  getCustomer(id: string): SandboxReply {
    const customer = this.customers.get(id);
    return customer
      ? { status: 200, body: customer }
      : fail(404, 'not_found', `customer ${id} was not found`);
  }

  updateCustomer(id: string, input: Record<string, unknown>): SandboxReply {
    const customer = this.customers.get(id);
    if (!customer) return fail(404, 'not_found', `customer ${id} was not found`);
    if (input.email !== undefined) {
      if (typeof input.email !== 'string' || !input.email.includes('@'))
        return fail(400, 'invalid_customer', 'email is invalid');
      customer.email = input.email;
    }
    if (typeof input.description === 'string') customer.description = input.description;
    if (input.metadata !== undefined) customer.metadata = input.metadata;
    return { status: 200, body: customer, event: this.#event('customer.update', customer) };
  }

  deleteCustomer(id: string): SandboxReply {
    const customer = this.customers.get(id);
    if (!customer) return fail(404, 'not_found', `customer ${id} was not found`);
    this.customers.delete(id);
    const gone: Row = {
      object: 'customer',
      id,
      livemode: false,
      deleted: true,
      created_at: customer.created_at,
    };
    return { status: 200, body: gone, event: this.#event('customer.destroy', gone) };
  }

  createCharge(input: Record<string, unknown>): SandboxReply {
    const currency = String(input.currency ?? '').toLowerCase();
    if (!(currency in CURRENCIES)) return fail(400, 'invalid_charge', 'currency is currently not supported');
    const amount = Number(input.amount);
    const problem = amountProblem(amount, currency as Currency);
    if (problem) return fail(400, 'invalid_charge', `amount ${problem}`);
    const customer = typeof input.customer === 'string' ? input.customer : undefined;
    if (customer !== undefined && !this.customers.has(customer)) {
      return fail(404, 'not_found', `customer ${customer} was not found`);
    }
    const card = typeof input.card === 'string' ? input.card : undefined;
    if (card === undefined && customer === undefined)
      return fail(400, 'invalid_charge', 'card or customer is required');
    if (card !== undefined && !card.startsWith('tokn_'))
      return fail(400, 'invalid_card', 'card must be a token');
    const capture = input.capture !== false;
    const base = {
      object: 'charge',
      id: newId('chrg'),
      livemode: false,
      amount,
      currency,
      capture,
      description: typeof input.description === 'string' ? input.description : null,
      customer: customer ?? null,
      refunded_amount: 0,
      metadata: (input.metadata as Record<string, string> | undefined) ?? {},
      created_at: this.#stamp(),
    };
    let charge: Row;
    if (card === TOKENS.declined) {
      charge = {
        ...base,
        status: 'failed',
        authorized: false,
        paid: false,
        failure_code: 'insufficient_fund',
        failure_message: 'insufficient funds in the account',
      };
    } else if (card === TOKENS.threeDSecure) {
      charge = {
        ...base,
        status: 'pending',
        authorized: false,
        paid: false,
        authorize_uri: `${this.authorizeBase}/3ds/${base.id}`,
      };
    } else if (!capture) {
      charge = { ...base, status: 'pending', authorized: true, paid: false };
    } else {
      charge = { ...base, status: 'successful', authorized: true, paid: true };
    }
    this.charges.set(charge.id, charge);
    return { status: 200, body: charge, event: this.#event('charge.create', charge) };
  }

  getCharge(id: string): SandboxReply {
    const charge = this.charges.get(id);
    return charge ? { status: 200, body: charge } : fail(404, 'not_found', `charge ${id} was not found`);
  }

  /** Whether charge `id` waits for its customer to complete 3-D Secure. */
  awaitsThreeDSecure(id: string): boolean {
    const charge = this.charges.get(id);
    return (
      charge !== undefined &&
      charge.status === 'pending' &&
      charge.authorized !== true &&
      'authorize_uri' in charge
    );
  }

  /**
   * The customer finished 3-D Secure on the authorize page: `authorized` makes the charge
   * successful (or authorized, for `capture: false`), `failed` fails it. Only a waiting charge moves.
   */
  completeThreeDSecure(id: string, outcome: 'authorized' | 'failed'): SandboxReply {
    const charge = this.charges.get(id);
    if (!charge) return fail(404, 'not_found', `charge ${id} was not found`);
    if (!this.awaitsThreeDSecure(id))
      return fail(400, 'invalid_charge', 'the charge does not wait for 3-D Secure');
    if (outcome === 'failed') {
      Object.assign(charge, {
        status: 'failed',
        failure_code: 'authentication_failure',
        failure_message: 'the customer did not pass 3-D Secure',
      });
    } else if (charge.capture === false) {
      Object.assign(charge, { authorized: true });
    } else {
      Object.assign(charge, { status: 'successful', authorized: true, paid: true });
    }
    return { status: 200, body: charge, event: this.#event('charge.complete', charge) };
  }

  capture(id: string): SandboxReply {
    const charge = this.charges.get(id);
    if (!charge) return fail(404, 'not_found', `charge ${id} was not found`);
    if (charge.status !== 'pending' || charge.authorized !== true) {
      return fail(400, 'failed_capture', 'charge is not authorized or was already captured');
    }
    Object.assign(charge, { status: 'successful', paid: true });
    return { status: 200, body: charge, event: this.#event('charge.capture', charge) };
  }

  reverse(id: string): SandboxReply {
    const charge = this.charges.get(id);
    if (!charge) return fail(404, 'not_found', `charge ${id} was not found`);
    if (charge.status !== 'pending')
      return fail(400, 'failed_reverse', 'only an uncaptured charge can be reversed');
    Object.assign(charge, { status: 'reversed', authorized: false });
    return { status: 200, body: charge, event: this.#event('charge.reverse', charge) };
  }

  refund(chargeId: string, input: Record<string, unknown>): SandboxReply {
    const charge = this.charges.get(chargeId);
    if (!charge) return fail(404, 'not_found', `charge ${chargeId} was not found`);
    if (charge.status !== 'successful')
      return fail(400, 'failed_refund', 'only a successful charge can be refunded');
    const left = (charge.amount as number) - (charge.refunded_amount as number);
    const amount = input.amount === undefined ? left : Number(input.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0)
      return fail(400, 'invalid_amount', 'amount must be positive');
    if (amount > left) return fail(400, 'failed_refund', 'refund amount exceeds the refundable amount');
    const refund: Row = {
      object: 'refund',
      id: newId('rfnd'),
      livemode: false,
      amount,
      currency: charge.currency,
      charge: chargeId,
      metadata: (input.metadata as Record<string, string> | undefined) ?? {},
      created_at: this.#stamp(),
    };
    this.refunds.set(refund.id, refund);
    charge.refunded_amount = (charge.refunded_amount as number) + amount;
    if (charge.refunded_amount === charge.amount) charge.status = 'refunded';
    return {
      status: 200,
      body: refund,
      event: this.#event('charge.refund', { ...charge, refund: refund.id } as Row),
    };
  }

  createTransfer(input: Record<string, unknown>): SandboxReply {
    const amount = Number(input.amount);
    const problem = amountProblem(amount, 'thb');
    if (problem) return fail(400, 'invalid_transfer', `amount ${problem}`);
    const transfer: Row = {
      object: 'transfer',
      id: newId('trsf'),
      livemode: false,
      amount,
      currency: 'thb',
      recipient: typeof input.recipient === 'string' ? input.recipient : 'recp_test_default',
      sent: false,
      paid: false,
      created_at: this.#stamp(),
    };
    this.transfers.set(transfer.id, transfer);
    return { status: 200, body: transfer, event: this.#event('transfer.create', transfer) };
  }

  /** One page of a collection, newest last, with the provider's list envelope. */
  list(rows: Iterable<Row>, query: URLSearchParams, filter?: (row: Row) => boolean): SandboxReply {
    const offset = Number(query.get('offset') ?? 0);
    const limit = Number(query.get('limit') ?? 20);
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      !Number.isSafeInteger(limit) ||
      limit < 1 ||
      limit > 100
    ) {
      return fail(400, 'bad_request', 'offset must be >= 0 and limit from 1 to 100');
    }
    const all = [...rows].filter(filter ?? (() => true));
    return {
      status: 200,
      body: {
        object: 'list',
        order: 'chronological',
        offset,
        limit,
        total: all.length,
        data: all.slice(offset, offset + limit),
      },
    };
  }

  /** Charges matching `filters[status]`, `filters[currency]`, `filters[customer]` (the provider's search endpoint). */
  searchCharges(query: URLSearchParams): SandboxReply {
    const status = query.get('filters[status]');
    const currency = query.get('filters[currency]');
    const customer = query.get('filters[customer]');
    return this.list(
      this.charges.values(),
      query,
      (c) =>
        (status === null || c.status === status) &&
        (currency === null || c.currency === currency) &&
        (customer === null || c.customer === customer),
    );
  }
}
