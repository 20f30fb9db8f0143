import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

type Step = {
  tool: string;
  args: Record<string, unknown>;
  show: (structured: Record<string, unknown>) => string;
};

const STEPS: Step[] = [
  {
    tool: 'sms_send',
    args: { to: '+447700900123', body: 'Your order has shipped.' },
    show: (s) =>
      `message ${(s.message as { sid: string; status: string }).sid} ${(s.message as { status: string }).status}`,
  },
  {
    tool: 'crm_create',
    args: { objectType: 'contacts', properties: { email: 'ada@example.com', firstname: 'Ada' } },
    show: (s) => `contact ${(s.object as { id: string }).id} created`,
  },
  {
    tool: 'db_query',
    args: {
      sql: 'SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY country',
      params: [],
    },
    show: (s) => `${(s.rows as unknown[][]).map((r) => r.join('=')).join(', ')}`,
  },
  {
    tool: 'db_query',
    args: { sql: 'SELECT ssn FROM customers', params: [] },
    show: () => 'answered (it should not have)',
  },
  {
    tool: 'notify_webhook',
    args: { url: '', event: 'demo.finished', data: { ok: true } },
    show: (s) => `delivery ${String(s.id)} answered ${String(s.status)}`,
  },
];

/**
 * Calls one tool of each enabled provider through the official MCP client, as a model would,
 * and prints one line per call (a refusal prints its code and hint).
 */
export async function runDemoTour(
  url: string,
  webhookUrl: string,
  write: (line: string) => void,
): Promise<void> {
  const client = new Client({ name: 'business-tools-demo', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const { tools } = await client.listTools();
    const available = new Set(tools.map((t) => t.name));
    write(`tour: ${tools.length} tools listed`);
    for (const step of STEPS) {
      if (!available.has(step.tool)) {
        write(`tour: ${step.tool} skipped (provider disabled)`);
        continue;
      }
      const args = step.tool === 'notify_webhook' ? { ...step.args, url: webhookUrl } : step.args;
      const result = await client.callTool({ name: step.tool, arguments: args });
      const structured = (result.structuredContent ?? {}) as Record<string, unknown>;
      const error = structured.error as { code: string; hint?: string } | undefined;
      write(
        `tour: ${step.tool} → ${result.isError && error ? `refused ${error.code}: ${error.hint ?? ''}` : step.show(structured)}`,
      );
    }
  } finally {
    await client.close();
  }
}
