/** Options of {@link redactSecrets}. */
export interface RedactSecretsOptions {
  /** Extra key names whose values are always replaced (compared case- and separator-insensitively). Default: none. */
  keys?: readonly string[];
  /** Replacement text. Default: `[Redacted]`. */
  censor?: string;
  /** Nesting depth past which values are replaced by `[Truncated]`. Default: 8. */
  maxDepth?: number;
}

/** Key names (lower-case, without `-`/`_`) whose values are secrets whatever they look like. */
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearer',
  'apikey',
  'xapikey',
  'privatekey',
  'credential',
  'credentials',
  'sessionid',
  'cardnumber',
  'pan',
  'cvv',
  'cvc',
  'pin',
  'ssn',
]);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

function isSecretKey(key: string, extra: ReadonlySet<string>): boolean {
  const k = normalizeKey(key);
  if (SECRET_KEYS.has(k) || extra.has(k)) return true;
  // Suffixes and fragments catch `dbPassword`, `stripeApiKey`, `x-auth-token`, `webhookSecret`.
  return (
    k.includes('password') ||
    k.includes('secret') ||
    k.endsWith('apikey') ||
    k.endsWith('token') ||
    k.endsWith('authorization') ||
    k.endsWith('cookie')
  );
}

/**
 * Patterns of secret-looking values inside strings: bearer/basic credentials, JWTs, well-known API
 * key formats, and long mixed-case alphanumeric runs (random keys) — a hex hash or a UUID does not
 * match the last rule because it lacks one of upper case, lower case or digits.
 */
const SECRET_VALUE =
  /\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{8,}=*|\b[Bb]asic\s+[A-Za-z0-9+/]{8,}=*|\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|\bsk-[A-Za-z0-9_-]{16,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{30,}|\bglpat-[A-Za-z0-9_-]{20,}|\b(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}\b/g;

/** `password=…`, `token: …` and the like inside free text (connection strings, error messages). */
const SECRET_ASSIGNMENT =
  /\b((?:pass(?:word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|auth)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi;

/** Runs of 13-19 digits, optionally grouped by spaces or dashes (card-number shaped). */
const CARD_LIKE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** True when `digits` passes the Luhn checksum used by payment card numbers. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
}

function redactString(value: string, censor: string): string {
  // Cheap pre-checks keep the common short, plain string from running the big regex.
  if (value.length < 13) return value;
  let out = value.replace(SECRET_VALUE, censor);
  if (/[=:]/.test(out)) out = out.replace(SECRET_ASSIGNMENT, (_match, key: string) => key + censor);
  if (/\d{4}/.test(out)) out = out.replace(CARD_LIKE, (match) => (isCardNumber(match) ? censor : match));
  return out;
}

function redactValue(
  value: unknown,
  depth: number,
  secret: (key: string) => boolean,
  censor: string,
  maxDepth: number,
): unknown {
  if (typeof value === 'string') return redactString(value, censor);
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 1e12 && isCardNumber(String(value)) ? censor : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) return '[Truncated]';
  if (Array.isArray(value))
    return value.map((item) => redactValue(item, depth + 1, secret, censor, maxDepth));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    out[key] =
      item !== undefined && item !== null && secret(key)
        ? censor
        : redactValue(item, depth + 1, secret, censor, maxDepth);
  }
  return out;
}

/**
 * A copy of `value` with secrets replaced: values under secret-named keys (authorization, token,
 * apiKey, password, secret, cookie, …) and, anywhere, strings that look like bearer tokens, JWTs,
 * API keys or card numbers (13-19 digits passing Luhn). The input is never modified.
 */
export function redactSecrets(value: unknown, options: RedactSecretsOptions = {}): unknown {
  const extra = new Set((options.keys ?? []).map(normalizeKey));
  return redactValue(
    value,
    0,
    (key) => isSecretKey(key, extra),
    options.censor ?? '[Redacted]',
    options.maxDepth ?? 8,
  );
}

/** Most distinct key names a hot-path redactor remembers the verdict of; it starts over past it. */
const MAX_REMEMBERED_KEYS = 1024;

/** A redactor with its options resolved once, for use on a hot path. */
export function createSecretRedactor(options: RedactSecretsOptions = {}): (value: unknown) => unknown {
  const extra = new Set((options.keys ?? []).map(normalizeKey));
  const censor = options.censor ?? '[Redacted]';
  const maxDepth = options.maxDepth ?? 8;
  // Argument names repeat call after call, so each name is normalized and classified once.
  const verdicts = new Map<string, boolean>();
  const secret = (key: string): boolean => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = isSecretKey(key, extra);
      if (verdicts.size >= MAX_REMEMBERED_KEYS) verdicts.clear();
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  return (value) => redactValue(value, 0, secret, censor, maxDepth);
}
