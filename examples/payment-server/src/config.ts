import { type ConfigOptions, defineConfig, secret } from '@mcpkit/core';
import * as z from 'zod';

/** The environment the payment server reads, once, at start-up. */
export const paymentConfigSchema = z.object({
  /** The provider's API: the sandbox's URL, or `https://api.omise.co` for the real one. */
  PAYMENT_API_URL: z.url(),
  /** The provider secret key; redacted from every log line, audit record and error. */
  PAYMENT_SECRET_KEY: secret(z.string().min(8)),
  /** The secret the provider signs webhooks with. */
  PAYMENT_WEBHOOK_SECRET: secret(z.string().min(8)),
  /** Signs list cursors; every instance must share it. */
  PAYMENT_CURSOR_SECRET: secret(z.string().min(16)),
  /**
   * API keys of the MCP callers, `key=subject:scope scope;…` (scopes `payments:read`,
   * `payments:write`, `payments:unattended`). Default: none (every call is refused).
   */
  PAYMENT_API_KEYS: secret(z.string().default('')),
  /** Redis for the shared cache and its invalidation bus; without it each instance caches alone. */
  REDIS_URL: z.string().optional(),
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
});

/** The validated configuration. */
export type PaymentConfig = z.output<typeof paymentConfigSchema>;

/** Reads and validates the environment (every problem in one message; exits 1 unless `exit: false`). */
export function loadPaymentConfig(options?: ConfigOptions): PaymentConfig {
  return defineConfig(paymentConfigSchema, options);
}

/** One configured caller: its key, identity and scopes. */
export interface CallerKey {
  key: string;
  subject: string;
  scopes: string[];
}

/** Parses `PAYMENT_API_KEYS` (`key=subject:scope scope;key2=…`). */
export function parseApiKeys(value: string): CallerKey[] {
  return value
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [key, rest] = cut(entry, '=');
      const [subject, scopes] = cut(rest, ':');
      return { key, subject, scopes: scopes.split(/\s+/).filter(Boolean) };
    })
    .filter((k) => k.key.length >= 16 && k.subject !== '');
}

/** Splits at the first `separator` (scopes themselves contain colons). */
function cut(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
