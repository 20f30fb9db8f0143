import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { sampleItems } from './sample-corpus.js';

/** What the walkthrough found, for the caller to print or check. */
export interface WalkthroughReport {
  imported: number;
  skipped: number;
  searchMode: string;
  degraded?: string;
  top: Array<{ id: string; snippet: string; matchedBy: string[] }>;
  digestTotal: number;
  promptPreview: string;
}

interface RecallResult {
  mode: string;
  degraded?: string;
  hits: Array<{ id: string; snippet: string; matchedBy: string[] }>;
}

/**
 * Drives a running memory server through the official MCP client over HTTP: imports the sample
 * corpus (idempotently), recalls, reads the digest and fills a prompt.
 */
export async function runWalkthrough(
  url: string,
  headers: Record<string, string> = {},
): Promise<WalkthroughReport> {
  const client = new Client({ name: 'memory-demo', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  try {
    const imported = await client.callTool({ name: 'import_memories', arguments: { items: sampleItems() } });
    const counts = imported.structuredContent as { imported: number; skipped: number };
    const recalled = await client.callTool({
      name: 'recall',
      arguments: { query: 'canary deploy traffic', limit: 3 },
    });
    const recall = recalled.structuredContent as RecallResult;
    const digest = await client.readResource({ uri: 'memory://digest' });
    const first = digest.contents[0];
    const total = (JSON.parse(first && 'text' in first ? first.text : '{}') as { total?: number }).total ?? 0;
    const prompt = await client.getPrompt({
      name: 'summarize_topic',
      arguments: { topic: 'incident postmortems' },
    });
    const message = prompt.messages[0]?.content;
    return {
      imported: counts.imported,
      skipped: counts.skipped,
      searchMode: recall.mode,
      ...(recall.degraded ? { degraded: recall.degraded } : {}),
      top: recall.hits,
      digestTotal: total,
      promptPreview: message && message.type === 'text' ? message.text.slice(0, 240) : '',
    };
  } finally {
    await client.close();
  }
}
