// What each benchmark sends, per protocol era, and how a correct answer looks.
export const MODERN = '2026-07-28';
export const LEGACY = '2025-06-18';

const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const order = {
  customer: { id: 'cus_42', email: 'ada@example.com', tier: 'pro' },
  items: [
    { sku: 'mug-blue', quantity: 2, unitPrice: 12.5, tags: ['gift'] },
    { sku: 'tea-earl', quantity: 3, unitPrice: 7.25 },
    { sku: 'box-large', quantity: 1, unitPrice: 3, tags: ['fragile', 'bulk'] },
  ],
  currency: 'EUR',
  note: 'Leave at the door',
};

const textOf = (result) => result?.content?.find((c) => c.type === 'text')?.text;

export const WORKLOADS = [
  {
    id: 'a',
    title: 'trivial tools/call (add)',
    method: 'tools/call',
    params: { name: 'add', arguments: { a: 2, b: 3 } },
    check: (result) => textOf(result) === '5',
  },
  {
    id: 'b',
    title: 'realistic tools/call (nested zod input, outputSchema + structuredContent)',
    method: 'tools/call',
    params: { name: 'create_order', arguments: order },
    check: (result) =>
      (result?.structuredContent?.total ?? JSON.parse(textOf(result) ?? '{}').total) === 49.75,
  },
  {
    id: 'c',
    title: 'tools/list (50 tools)',
    method: 'tools/list',
    params: {},
    check: (result) => Array.isArray(result?.tools) && result.tools.length === 50,
  },
  {
    id: 'd',
    title: 'tools/call with 3 progress notifications (SSE)',
    method: 'tools/call',
    params: { name: 'progress', arguments: {}, _meta: { progressToken: 'bench-progress' } },
    check: (result, notifications) =>
      textOf(result) === 'done' &&
      notifications.filter((n) => n.method === 'notifications/progress').length === 3,
  },
  {
    id: 'e',
    title: 'cached tools/call hit (add behind @mcpkit/cache)',
    servers: ['mcpkit-cache'],
    method: 'tools/call',
    params: { name: 'add_cached', arguments: { a: 2, b: 3 } },
    check: (result) => textOf(result) === '5',
  },
];

/** The HTTP request for a workload in an era: headers and body. */
export function requestFor(workload, era, extraHeaders = {}) {
  const params = structuredClone(workload.params);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extraHeaders,
  };
  if (era === 'modern') {
    params._meta = { ...envelope, ...params._meta };
    headers['mcp-protocol-version'] = MODERN;
    headers['mcp-method'] = workload.method;
    if (params.name !== undefined) headers['mcp-name'] = params.name;
  } else {
    headers['mcp-protocol-version'] = LEGACY;
  }
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: workload.method, params }) };
}

/** Parses a JSON or SSE response into the result for id 1 and the notifications before it. */
export async function readAnswer(response) {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages = type.includes('text/event-stream')
    ? text
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .filter((data) => data.length > 0)
        .map((data) => JSON.parse(data))
    : text.length > 0
      ? [JSON.parse(text)]
      : [];
  const final = messages.find((m) => m.id === 1 && ('result' in m || 'error' in m));
  return {
    status: response.status,
    final,
    notifications: messages.filter((m) => m.method !== undefined && m.id === undefined),
  };
}
