import { createRedactor, type RedactOptions } from '@mcpkit/core';

// Headers that describe the recorded transfer, not the response: the body is kept decoded, so
// replaying them would lie about it.
const TRANSFER_HEADERS = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

/** The redaction a recorder and its replayer share: core's redactor (registered secrets included) over each part of an exchange. */
export interface ExchangeRedactor {
  path(path: string): string;
  body(text: string, contentType: string | null): string;
  headers(headers: Headers): Record<string, string>;
}

export function exchangeRedactor(options: RedactOptions = {}): ExchangeRedactor {
  const redact = createRedactor(options);
  return {
    path: (path) => String(redact(path)),
    body(text, contentType) {
      if (text === '') return text;
      if (contentType?.includes('json')) {
        try {
          return JSON.stringify(redact(JSON.parse(text)));
        } catch {
          // Not JSON after all: redacted as text below.
        }
      }
      return String(redact(text));
    },
    headers(headers) {
      const kept: Record<string, string> = {};
      headers.forEach((value, name) => {
        if (!TRANSFER_HEADERS.has(name)) kept[name] = value;
      });
      return redact(kept) as Record<string, string>;
    },
  };
}
