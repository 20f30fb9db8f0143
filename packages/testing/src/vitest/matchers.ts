import type { ErrorCode, LoggingLevel } from '@mcpkit/core';
import { expect } from 'vitest';
import type { CapturedLog, CapturedProgress, TestClient } from '../test-client.js';

/** One problem a Standard Schema reports. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** What a Standard Schema's `validate` returns. */
export type SchemaResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<SchemaIssue> };

/** A schema implementing Standard Schema v1 (zod 4, valibot, arktype, …), for `toHaveStructuredContent`. */
export interface StructuredContentSchema {
  readonly '~standard': {
    readonly validate: (value: unknown) => SchemaResult | Promise<SchemaResult>;
  };
}

/** What `toHaveLogged` looks for: text in the message, a pattern, or fields of the log (`level`, `logger`, `data`). */
export type LogExpectation = string | RegExp | { level?: LoggingLevel; logger?: string; data?: unknown };

/** The matchers `@mcpkit/testing/vitest` adds to `expect` (register them with `expect.extend(mcpkitMatchers)`). */
export interface McpkitMatchers<R = unknown> {
  /** The tool result is a coded mcpkit failure, with `code` when given. */
  toBeToolError(code?: ErrorCode): R;
  /** The tool result succeeded with `structuredContent` that `schema` accepts. */
  toHaveStructuredContent(schema: StructuredContentSchema): R;
  /** Exactly `count` progress notifications were captured (an array of `CapturedProgress`). */
  toHaveProgressCount(count: number): R;
  /** A test client (or an array of `CapturedLog`) received a log message matching `expected`. */
  toHaveLogged(expected: LogExpectation): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: the declaration must repeat vitest's own type parameter.
  interface Matchers<T = any> extends McpkitMatchers<T> {}
}

/** The part of vitest's matcher context (`this` in a matcher) these matchers use. */
export interface McpkitMatcherContext {
  readonly isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
}

/** What each matcher returns to vitest. */
export interface McpkitMatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

type ToolResultLike = { isError?: boolean; structuredContent?: unknown; content?: unknown };

function asResult(received: unknown): ToolResultLike | undefined {
  return received !== null && typeof received === 'object' ? (received as ToolResultLike) : undefined;
}

function errorCode(result: ToolResultLike | undefined): string | undefined {
  const code = (result?.structuredContent as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

function issuePath(issue: SchemaIssue): string {
  const parts = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part));
  return parts.length > 0 ? parts.join('.') : '(root)';
}

/** The text a log message is searched in: a string as it is, `data.message` when there is one, JSON otherwise. */
function logText(log: CapturedLog): string {
  if (typeof log.data === 'string') return log.data;
  const message = (log.data as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? `${message} ${JSON.stringify(log.data)}` : JSON.stringify(log.data);
}

function logsOf(received: unknown): CapturedLog[] | undefined {
  if (Array.isArray(received)) return received as CapturedLog[];
  const logs = (received as Partial<TestClient> | null)?.logs;
  return Array.isArray(logs) ? logs : undefined;
}

/** The matchers, for `expect.extend(mcpkitMatchers)` in a setup file or at the top of a test file. */
export const mcpkitMatchers = {
  toBeToolError(this: McpkitMatcherContext, received: unknown, code?: ErrorCode): McpkitMatcherResult {
    const result = asResult(received);
    const actual = errorCode(result);
    const failed = result?.isError === true && actual !== undefined;
    const pass = failed && (code === undefined || actual === code);
    const wanted = code ? `a tool error with code ${code}` : 'a coded tool error';
    return {
      pass,
      message: () =>
        this.isNot
          ? `Expected the result not to be ${wanted}, but it is (${actual}).`
          : !result?.isError
            ? `Expected ${wanted}, got a success: ${JSON.stringify(result?.content)}`
            : actual === undefined
              ? `Expected ${wanted}, got a failure without structuredContent.error.code: ${JSON.stringify(result.structuredContent)}`
              : `Expected ${wanted}, got ${actual}: ${JSON.stringify(result.structuredContent)}`,
      actual,
      expected: code,
    };
  },

  toHaveStructuredContent(
    this: McpkitMatcherContext,
    received: unknown,
    schema: StructuredContentSchema,
  ): McpkitMatcherResult {
    const result = asResult(received);
    if (!result || result.isError === true || result.structuredContent === undefined) {
      return {
        pass: false,
        message: () =>
          result?.isError
            ? `Expected structured content, got a tool error: ${JSON.stringify(result.structuredContent)}`
            : `Expected structured content, got none: ${JSON.stringify(result?.content)}`,
      };
    }
    const verdict = schema['~standard'].validate(result.structuredContent);
    if (verdict instanceof Promise) {
      return {
        pass: false,
        message: () =>
          'toHaveStructuredContent takes a synchronous schema; this one validates asynchronously.',
      };
    }
    const issues = verdict.issues ?? [];
    return {
      pass: issues.length === 0,
      message: () =>
        this.isNot
          ? `Expected the schema to refuse ${JSON.stringify(result.structuredContent)}, but it accepts it.`
          : `Expected the schema to accept the structured content ${JSON.stringify(result.structuredContent)}:\n${issues
              .map((issue) => `  ${issuePath(issue)}: ${issue.message}`)
              .join('\n')}`,
    };
  },

  toHaveProgressCount(this: McpkitMatcherContext, received: unknown, count: number): McpkitMatcherResult {
    const progress = Array.isArray(received) ? (received as CapturedProgress[]) : undefined;
    const actual = progress?.length;
    return {
      pass: actual === count,
      message: () =>
        progress === undefined
          ? 'toHaveProgressCount expects the array of CapturedProgress collected with onProgress.'
          : this.isNot
            ? `Expected other than ${count} progress notifications.`
            : `Expected ${count} progress notifications, got ${actual}: ${JSON.stringify(progress)}`,
      actual,
      expected: count,
    };
  },

  toHaveLogged(this: McpkitMatcherContext, received: unknown, expected: LogExpectation): McpkitMatcherResult {
    const logs = logsOf(received);
    if (!logs) {
      return { pass: false, message: () => 'toHaveLogged expects a TestClient or its array of CapturedLog.' };
    }
    const matches = (log: CapturedLog): boolean => {
      if (typeof expected === 'string') return logText(log).includes(expected);
      if (expected instanceof RegExp) return expected.test(logText(log));
      return this.equals(log, expect.objectContaining(expected));
    };
    const describe =
      typeof expected === 'string' || expected instanceof RegExp
        ? String(expected)
        : JSON.stringify(expected);
    return {
      pass: logs.some(matches),
      message: () =>
        this.isNot
          ? `Expected no log message matching ${describe}.`
          : `Expected a log message matching ${describe}; received ${logs.length}:\n${logs
              .map((log) => `  [${log.level}]${log.logger ? ` ${log.logger}` : ''} ${logText(log)}`)
              .join('\n')}`,
    };
  },
};
