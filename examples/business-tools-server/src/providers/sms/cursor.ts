import { McpkitError } from '@mcpkit/core';

/** What a list cursor carries: the provider's page token and the page size it was made for. */
export interface ListPosition {
  pageToken: string;
  pageSize: number;
  to: string | undefined;
}

// A small local mapping from the provider's page tokens to opaque MCP cursors; the callers see
// neither the provider's URLs nor its token format, and a cursor for one filter is refused for another.
/** Encodes a list position as an opaque cursor. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.pageToken, position.pageSize, position.to ?? null])).toString(
    'base64url',
  );
}

/** Decodes a cursor made by {@link encodeCursor}; anything else is a coded `VALIDATION_FAILED`. */
export function decodeCursor(cursor: string, to: string | undefined): ListPosition {
  const refuse = () =>
    new McpkitError('VALIDATION_FAILED', 'The cursor is not one this tool returned.', {
      retryable: false,
      hint: 'Pass nextCursor from the previous sms_list_messages result unchanged, with the same `to` filter.',
      details: { field: 'cursor' },
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'string' ||
    !/^[A-Za-z0-9_-]{1,200}$/.test(parsed[0]) ||
    typeof parsed[1] !== 'number' ||
    (parsed[2] ?? undefined) !== to
  ) {
    throw refuse();
  }
  return { pageToken: parsed[0], pageSize: parsed[1], to };
}
