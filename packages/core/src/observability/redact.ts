/**
 * The one redaction path of mcpkit. Every line core's logger writes, and every log line, audit
 * record and trace attribute the other packages produce, goes through {@link redact} (or a redactor
 * from {@link createRedactor}); extensions add their own rules with {@link registerSecrets}.
 */

/** Options of {@link redact} and {@link createRedactor}. */
export interface RedactOptions {
  /** Extra key names whose values are always replaced (compared case- and separator-insensitively). Default: none. */
  keys?: readonly string[];
  /** Replacement text. Default: `[Redacted]`. */
  censor?: string;
  /** Nesting depth past which values are replaced by `[Truncated]`. Default: 8. */
  maxDepth?: number;
}

/** Rules added process-wide by {@link registerSecrets}; every redactor applies them from then on. */
export interface SecretRules {
  /** Exact values that must never be written (a database password, a signing key). Values shorter than 6 characters are ignored. Default: none. */
  values?: readonly string[];
  /** Key names whose values are always replaced, in objects and in `key=value` / JSON text. Default: none. */
  keys?: readonly string[];
  /** Patterns whose every match is replaced (the `g` flag is added when missing). Default: none. */
  patterns?: readonly RegExp[];
}

/** Key names (lower-case, without `-`/`_`/spaces) whose values are secrets whatever they look like. */
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
  'token',
  'bearer',
  'apikey',
  'privatekey',
  'accesskey',
  'secretkey',
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

const extraKeys = new Set<string>();
const extraPatterns: RegExp[] = [];
const secretValues = new Set<string>();
let valuesPattern: RegExp | undefined;
/** Bumped on every {@link registerSecrets}, so redactors drop the key verdicts they remembered. */
let generation = 0;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

function isSecretKey(key: string, extra: ReadonlySet<string>): boolean {
  const k = normalizeKey(key);
  if (SECRET_KEYS.has(k) || extra.has(k) || extraKeys.has(k)) return true;
  // Fragments catch `dbPassword`, `stripeApiKey`, `x-auth-token`, `aws_secret_access_key`.
  return (
    k.includes('password') ||
    k.includes('secret') ||
    k.includes('passwd') ||
    k.endsWith('apikey') ||
    k.endsWith('accesskey') ||
    k.endsWith('privatekey') ||
    k.endsWith('token') ||
    k.endsWith('authorization') ||
    k.endsWith('cookie') ||
    k.endsWith('credentials')
  );
}

/**
 * Secret-looking values anywhere in text: bearer/basic credentials, JWTs, private-key blocks,
 * well-known API-key and token prefixes (Stripe, OpenAI/Anthropic, GitHub, Slack, AWS, Google,
 * GitLab, npm, SendGrid, Shopify), and long mixed-case alphanumeric runs (random keys) — a hex hash
 * or a UUID does not match the last rule because it lacks upper case, lower case or digits. Every
 * repetition that can restart at each position is bounded, so hostile input stays linear.
 */
const SECRET_VALUE = new RegExp(
  [
    String.raw`\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{8,}=*`,
    String.raw`\b[Bb]asic\s+[A-Za-z0-9+/]{8,}=*`,
    String.raw`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`,
    String.raw`-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)`,
    String.raw`\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}`,
    String.raw`\bwhsec_[A-Za-z0-9]{16,}`,
    String.raw`\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
    String.raw`\bxox[abposre]-[A-Za-z0-9-]{10,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
    String.raw`\bnpm_[A-Za-z0-9]{30,}`,
    String.raw`\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`,
    String.raw`\bshp(?:at|ss|ca|pa)_[A-Fa-f0-9]{20,}`,
    String.raw`\b(?=[A-Za-z0-9_-]{0,64}[a-z])(?=[A-Za-z0-9_-]{0,64}[A-Z])(?=[A-Za-z0-9_-]{0,64}\d)[A-Za-z0-9_-]{32,}\b`,
  ].join('|'),
  'g',
);

/** User-info of a URL (`postgres://admin:pw@db`, `https://token@host`): everything between `//` and `@`. */
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/)[^\s/?#@"'<>]+@/g;

/**
 * `password=…`, `aws_secret_access_key: …`, `"token":"…"` (also with escaped quotes) inside text:
 * a key naming a secret, optionally quoted, then `=` or `:`, then a quoted or bare value.
 * `Authorization: <scheme> <credentials>` is left to the credential rules: its first word is a scheme.
 */
const SECRET_ASSIGNMENT =
  /([A-Za-z0-9_.-]{0,40}(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|cookie|session[-_]?id)[A-Za-z0-9_.-]{0,40}(?:\\?["'])?\s*[=:]\s*)(\\?"(?:[^"\\]|\\.)*?\\?"|'[^']*'|[^\s&;,}\]"')]+)/gi;

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Adds process-wide rules every redactor applies from now on: exact secret values (what
 * `defineConfig()` does for fields marked `secret()`), key names, and patterns. Rules only add.
 */
export function registerSecrets(rules: SecretRules): void {
  for (const key of rules.keys ?? []) extraKeys.add(normalizeKey(key));
  for (const pattern of rules.patterns ?? []) {
    extraPatterns.push(pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`));
  }
  let valuesChanged = false;
  for (const value of rules.values ?? []) {
    if (value.length < 6 || secretValues.has(value)) continue;
    secretValues.add(value);
    valuesChanged = true;
  }
  if (valuesChanged) {
    // Longest first, so a value containing another is replaced whole.
    const sorted = [...secretValues].sort((a, b) => b.length - a.length);
    valuesPattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }
  generation++;
}

/** Strings shorter than this hold no secret any rule recognizes (the shortest is a 6-character declared value). */
const SHORTEST_SECRET = 6;

function redactString(value: string, censor: string): string {
  // Cheap pre-checks keep the common short, plain string away from the big expressions.
  if (value.length < SHORTEST_SECRET) return value;
  let out = valuesPattern === undefined ? value : value.replace(valuesPattern, censor);
  // No key format or card number is shorter than 13 characters; `pwd=abc1` is.
  if (out.length >= 13) out = out.replace(SECRET_VALUE, censor);
  if (out.includes('://')) out = out.replace(URL_USERINFO, (_match, scheme: string) => `${scheme}${censor}@`);
  if (out.includes('=') || out.includes(':')) {
    // A value an earlier rule already replaced (`Authorization: Bearer …`) stays as it is.
    out = out.replace(SECRET_ASSIGNMENT, (match, key: string, found: string) =>
      censor.startsWith(found) ? match : key + censor,
    );
  }
  if (out.length >= 13 && /\d{4}/.test(out))
    out = out.replace(CARD_LIKE, (match) => (isCardNumber(match) ? censor : match));
  for (const pattern of extraPatterns) out = out.replace(pattern, censor);
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
    // From 14 digits: a 13-digit number is far more often a time in epoch milliseconds than a card.
    return Number.isInteger(value) && value >= 1e13 && isCardNumber(String(value)) ? censor : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) return '[Truncated]';
  if (Array.isArray(value))
    return value.map((item) => redactValue(item, depth + 1, secret, censor, maxDepth));
  if (value instanceof Error) return redactValue(errorFields(value), depth, secret, censor, maxDepth);
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  // What JSON.stringify would write: a Date's string, a defineConfig() config's own redacted copy.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function')
    return redactValue(toJSON.call(value), depth + 1, secret, censor, maxDepth);
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

/** The loggable fields of an error (its own enumerable fields too), cause included. */
function errorFields(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  for (const key of Object.keys(error)) {
    if (!(key in out)) out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  // A cause that is an Error is turned into fields by the caller, within its depth bound.
  if (error.cause !== undefined) out.cause = error.cause;
  return out;
}

/**
 * A copy of `value` with secrets replaced: values under secret-named keys (authorization, token,
 * apiKey, password, secret, cookie, aws_secret_access_key, …) and, anywhere in strings, bearer
 * tokens, JWTs, private keys, well-known API-key formats, URL user-info, `key=value` / JSON pairs
 * naming a secret, card numbers (13-19 digits passing Luhn), values declared secret in
 * `defineConfig()` and whatever {@link registerSecrets} added. Errors become plain objects
 * (type, message, stack, cause). The input is never modified.
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  const extra = new Set((options.keys ?? []).map(normalizeKey));
  return redactValue(
    value,
    0,
    (key) => isSecretKey(key, extra),
    options.censor ?? '[Redacted]',
    options.maxDepth ?? 8,
  );
}

/** Most distinct key names a redactor remembers the verdict of; it starts over past it. */
const MAX_REMEMBERED_KEYS = 1024;

/** A redactor with its options resolved once, for use on a hot path (see {@link redact}). */
export function createRedactor(options: RedactOptions = {}): (value: unknown) => unknown {
  const extra = new Set((options.keys ?? []).map(normalizeKey));
  const censor = options.censor ?? '[Redacted]';
  const maxDepth = options.maxDepth ?? 8;
  // Argument names repeat call after call, so each name is normalized and classified once.
  const verdicts = new Map<string, boolean>();
  let seen = generation;
  const secret = (key: string): boolean => {
    if (seen !== generation) {
      verdicts.clear();
      seen = generation;
    }
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

/** Longest text {@link redactedExcerpt} scans: a secret straddling this cut is beyond the excerpt anyway. */
const EXCERPT_SCAN = 64 * 1024;

/**
 * A bounded, redacted excerpt of untrusted text (an upstream response body): the start is
 * redacted first and cut afterwards, so a cut can never leave half a secret unrecognized.
 * `maxChars` defaults to 512.
 */
export function redactedExcerpt(text: string, maxChars = 512): string {
  const redacted = redactString(
    text.length > EXCERPT_SCAN ? text.slice(0, EXCERPT_SCAN) : text,
    '[Redacted]',
  );
  return redacted.length > maxChars ? `${redacted.slice(0, maxChars)}…[${text.length} chars]` : redacted;
}
