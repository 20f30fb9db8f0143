import type { Registry } from '../../engine/registry.js';
import { assertSupportedVersion, type Envelope, readEnvelope } from '../../protocol/envelope.js';
import type { RpcRequest } from '../../protocol/jsonrpc.js';
import { ProtocolError, RpcCode } from '../../protocol/rpc-error.js';

function mismatch(message: string): ProtocolError {
  return new ProtocolError(RpcCode.HEADER_MISMATCH, `Header mismatch: ${message}`, undefined, 400);
}

const NAMED = new Map<string, 'name' | 'uri' | 'taskId'>([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tasks/get', 'taskId'],
  ['tasks/update', 'taskId'],
  ['tasks/cancel', 'taskId'],
]);

const ENCODED_WORD = /^=\?base64\?(.*)\?=$/i;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an `Mcp-Name` or `Mcp-Param-*` value: `=?base64?…?=` is strict Base64 (anything malformed is a
 * mismatch); every other value, including a half-written wrapper, is taken literally.
 */
export function decodeHeaderValue(raw: string): string {
  const value = raw.trim();
  // Nearly every value is plain text: only values starting with "=?" can be encoded words.
  if (value.charCodeAt(0) !== 61 || value.charCodeAt(1) !== 63) return value;
  const encoded = ENCODED_WORD.exec(value);
  if (!encoded) return value;
  const body = encoded[1] as string;
  if (!STRICT_BASE64.test(body)) throw mismatch('a header carries invalid Base64.');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.toString('base64') !== body) throw mismatch('a header carries non-canonical Base64.');
  return bytes.toString('utf8');
}

function paramHeaderValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Checks the modern-era standard headers against the body: `Mcp-Method` must equal the method and
 * `Mcp-Name` the tool/prompt name or resource URI (values case-sensitive, surrounding space ignored).
 */
export function checkStandardHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  request: RpcRequest,
): void {
  const method = headers['mcp-method']?.trim();
  if (method === undefined) throw mismatch('the Mcp-Method header is required.');
  if (method !== request.method)
    throw mismatch(`Mcp-Method "${method}" does not match the body method "${request.method}".`);
  const field = NAMED.get(request.method);
  if (field) {
    const raw = headers['mcp-name'];
    const expected = request.params?.[field];
    if (raw === undefined) throw mismatch('the Mcp-Name header is required for this method.');
    // Clients send names and URIs that are not plain ASCII as `=?base64?…?=`.
    const name = decodeHeaderValue(raw);
    if (name !== expected)
      throw mismatch(`Mcp-Name "${name}" does not match the body ${field} "${String(expected)}".`);
  }
}

/** Checks each `Mcp-Param-*` header a tool declares (`x-mcp-header` properties) against its argument. */
export function checkParamHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  request: RpcRequest,
  registry: Registry,
): void {
  if (request.method === 'tools/call') {
    const tool = registry.tools.get(String(request.params?.name));
    if (!tool || tool.paramHeaders.length === 0) return;
    const args = (request.params?.arguments ?? {}) as Record<string, unknown>;
    for (const { property, headerName, field } of tool.paramHeaders) {
      const raw = headers[field];
      const argument = paramHeaderValue(args[property]);
      if (raw === undefined) {
        if (argument !== undefined)
          throw mismatch(`the Mcp-Param-${headerName} header is required when "${property}" is given.`);
        continue;
      }
      const decoded = decodeHeaderValue(raw);
      if (argument === undefined || decoded !== argument) {
        throw mismatch(`Mcp-Param-${headerName} does not match the argument "${property}".`);
      }
    }
  }
}

/**
 * Validates a modern-era HTTP request in the order clients rely on: standard headers, the
 * `_meta` envelope, the version header against the envelope, version support, then parameter
 * headers. Returns the envelope; throws the first failure as a {@link ProtocolError}.
 */
export function checkModernRequest(
  headers: Readonly<Record<string, string | undefined>>,
  headerVersion: string | undefined,
  request: RpcRequest,
  registry: Registry,
): Envelope {
  checkStandardHeaders(headers, request);
  const envelope = readEnvelope(request.params);
  if (headerVersion !== envelope.protocolVersion) {
    throw mismatch(
      headerVersion === undefined
        ? 'the MCP-Protocol-Version header is required and must equal the envelope version.'
        : `MCP-Protocol-Version "${headerVersion}" does not match the envelope version "${envelope.protocolVersion}".`,
    );
  }
  assertSupportedVersion(envelope);
  checkParamHeaders(headers, request, registry);
  return envelope;
}
