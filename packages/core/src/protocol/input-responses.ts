import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
} from '@modelcontextprotocol/core';
import { ProtocolError, RpcCode } from './rpc-error.js';

const RESULT_SCHEMA: Record<string, { safeParse(value: unknown): { success: boolean } }> = {
  'elicitation/create': ElicitResultSchema,
  'sampling/createMessage': CreateMessageResultSchema,
  'roots/list': ListRootsResultSchema,
};

/** Reads a retried request's `inputResponses`: absent is fine, anything but an object is rejected. */
export function readInputResponses(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(
      RpcCode.INVALID_PARAMS,
      'Invalid params: "inputResponses" must be an object keyed by input request.',
    );
  }
  return value as Record<string, unknown>;
}

/** True when `value` is a well-formed answer to an input request of `method`; malformed answers are asked again. */
export function isValidInputResponse(method: string, value: unknown): boolean {
  return RESULT_SCHEMA[method]?.safeParse(value).success ?? false;
}
