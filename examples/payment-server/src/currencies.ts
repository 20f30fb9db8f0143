/** What the server knows of a currency: its minor-unit exponent and the provider's smallest charge. */
export interface CurrencyRule {
  /** Digits after the decimal point: 2 for THB (satang), 0 for JPY. */
  exponent: number;
  /** Smallest charge the provider accepts, in minor units. */
  minimum: number;
  /** Largest single charge, in minor units. */
  maximum: number;
}

/** The currencies the sandbox (and this server) accept, keyed by lower-case ISO 4217 code. */
export const CURRENCIES = {
  thb: { exponent: 2, minimum: 2_000, maximum: 15_000_000_00 },
  jpy: { exponent: 0, minimum: 100, maximum: 6_000_000 },
  sgd: { exponent: 2, minimum: 100, maximum: 2_000_000_00 },
  usd: { exponent: 2, minimum: 50, maximum: 1_000_000_00 },
} as const satisfies Record<string, CurrencyRule>;

/** A currency code the server accepts. */
export type Currency = keyof typeof CURRENCIES;

/** The accepted codes, for schemas. */
export const CURRENCY_CODES = Object.keys(CURRENCIES) as [Currency, ...Currency[]];

/** Why an amount is not valid in its currency, or undefined when it is. */
export function amountProblem(
  amount: number,
  currency: Currency,
  options: { minimum?: boolean } = {},
): string | undefined {
  const rule: CurrencyRule = CURRENCIES[currency];
  if (!Number.isSafeInteger(amount) || amount <= 0) return 'must be a positive whole number of minor units';
  if ((options.minimum ?? true) && amount < rule.minimum) {
    return `must be at least ${rule.minimum} (${formatAmount(rule.minimum, currency)})`;
  }
  if (amount > rule.maximum)
    return `must be at most ${rule.maximum} (${formatAmount(rule.maximum, currency)})`;
  return undefined;
}

/** `12345, 'thb'` → `"123.45 THB"`; `500, 'jpy'` → `"500 JPY"`. */
export function formatAmount(amount: number, currency: Currency): string {
  const { exponent } = CURRENCIES[currency];
  const major = exponent === 0 ? String(amount) : (amount / 10 ** exponent).toFixed(exponent);
  return `${major} ${currency.toUpperCase()}`;
}
