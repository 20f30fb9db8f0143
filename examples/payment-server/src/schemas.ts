import { passesLuhn } from '@mcpkit/core';
import * as z from 'zod';
import { amountProblem, CURRENCY_CODES, type Currency } from './currencies.js';

/** A customer as the provider returns it (unknown fields are dropped). */
export const customerSchema = z.object({
  id: z.string(),
  email: z.string().optional(),
  description: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  deleted: z.boolean(),
  created_at: z.string(),
});

/** A charge as the provider returns it. */
export const chargeSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.enum(['successful', 'pending', 'failed', 'reversed', 'refunded']),
  authorized: z.boolean(),
  paid: z.boolean(),
  customer: z.string().nullable(),
  description: z.string().nullable(),
  refunded_amount: z.number().int(),
  failure_code: z.string().optional(),
  failure_message: z.string().optional(),
  authorize_uri: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  created_at: z.string(),
});

/** A refund as the provider returns it. */
export const refundSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  charge: z.string(),
  created_at: z.string(),
});

/** A transfer as the provider returns it. */
export const transferSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  recipient: z.string(),
  sent: z.boolean(),
  paid: z.boolean(),
  created_at: z.string(),
});

export type Customer = z.output<typeof customerSchema>;
export type Charge = z.output<typeof chargeSchema>;
export type Refund = z.output<typeof refundSchema>;
export type Transfer = z.output<typeof transferSchema>;

/** The provider's list envelope around items of `item`. */
export const providerList = <S extends z.ZodType>(item: S) =>
  z.object({
    data: z.array(item),
    offset: z.number().int(),
    limit: z.number().int(),
    total: z.number().int(),
  });

/** A tool's page of items: the items and, when more follow, the signed cursor of the next page. */
export const pageOf = <S extends z.ZodType>(item: S) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe('Pass back as cursor for the next page'),
  });

/** Page arguments shared by the list tools. */
export const pageArgs = {
  cursor: z
    .string()
    .max(2048)
    .optional()
    .describe('nextCursor of the previous page; omit for the first page'),
  limit: z.number().int().min(1).max(100).optional().describe('Items per page (default 50)'),
};

/** A provider object id with its prefix, e.g. `chrg_…`. */
export const idOf = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_]{1,64}$`), `must be a ${what} id (${prefix}_…)`);

const CARD_LIKE = /\d[\d -]{11,22}\d/g;

/** Free text that must not carry a card number: anything Luhn-valid of 13–19 digits is refused. */
export const freeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine(
      (text) =>
        !(text.match(CARD_LIKE) ?? []).some((run) => {
          const digits = run.replace(/[ -]/g, '');
          return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
        }),
      'must not contain a card number; charge with a card token (tokn_…) instead',
    );

/** Metadata: short string pairs, no card numbers. */
export const metadataSchema = z.record(z.string().max(40), freeText(500)).optional();

/** A card token from the provider's client-side tokenisation; raw card numbers are never accepted. */
export const cardToken = z
  .string()
  .regex(
    /^tokn_[A-Za-z0-9_]{1,64}$/,
    'must be a card token (tokn_…) made by the provider; never send card numbers',
  );

/** `amount` in minor units checked against `currency`'s rules (THB and JPY differ). */
export function withMoney<T extends z.ZodRawShape>(shape: T, options: { minimum?: boolean } = {}) {
  return z
    .strictObject({
      amount: z
        .number()
        .int()
        .positive()
        .describe('Amount in minor units: satang for THB (2000 = 20.00 THB), yen for JPY'),
      currency: z.enum(CURRENCY_CODES).describe('Lower-case ISO 4217 code'),
      ...shape,
    })
    .superRefine((value, issues) => {
      const { amount, currency } = value as { amount: number; currency: Currency };
      const problem = amountProblem(amount, currency, options);
      if (problem)
        issues.addIssue({
          code: 'custom',
          path: ['amount'],
          message: `amount ${problem} for ${currency.toUpperCase()}`,
        });
    });
}

/** Optional client idempotency key: pass the same one when retrying a call that failed retryably. */
export const idempotencyKeyArg = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'must be 8–128 characters of A-Z a-z 0-9 _ . : -')
  .optional()
  .describe(
    'Your key for this operation: reuse it when retrying after a retryable error and it happens at most once',
  );
