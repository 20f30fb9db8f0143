import type { ErrorCode, ToolErrorPayload } from '@mcpkit/core';
import type { CallToolResult } from '@modelcontextprotocol/client';

/** Thrown by {@link expectToolError} when a result is not the coded failure a test expected. */
export class ToolErrorAssertion extends Error {
  override readonly name = 'ToolErrorAssertion';
}

/**
 * Asserts that a tool result is a coded mcpkit failure (optionally with `code`) and returns its
 * structured error payload for further assertions.
 */
export function expectToolError(result: CallToolResult, code?: ErrorCode): ToolErrorPayload {
  if (result.isError !== true) {
    throw new ToolErrorAssertion(
      `Expected a failed tool result, got a success: ${JSON.stringify(result.content)}`,
    );
  }
  const payload = (result.structuredContent as { error?: ToolErrorPayload } | undefined)?.error;
  if (!payload || typeof payload.code !== 'string') {
    throw new ToolErrorAssertion(
      `Expected structuredContent.error with a code, got: ${JSON.stringify(result.structuredContent)}`,
    );
  }
  if (code !== undefined && payload.code !== code) {
    throw new ToolErrorAssertion(`Expected error code ${code}, got ${payload.code}: ${payload.message}`);
  }
  return payload;
}

/** The text of every text block of a result, joined by newlines. */
export function resultText(result: { content?: Array<{ type: string; text?: string }> }): string {
  return (result.content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('\n');
}
