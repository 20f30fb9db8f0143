import { serveForTest } from '@mcpkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMemoryConfig } from '../src/config.js';
import { runWalkthrough } from '../src/demo-walkthrough.js';
import { type ConfiguredMemoryServer, openFromConfig } from '../src/open-from-config.js';

describe('the demo walkthrough with no database configured', () => {
  let opened: ConfiguredMemoryServer;

  beforeAll(async () => {
    // What `pnpm demo` does on a fresh clone: an empty environment, so PGlite in memory.
    opened = await openFromConfig(loadMemoryConfig({ env: {}, exit: false }));
  }, 60_000);
  afterAll(async () => opened?.close());

  it('imports the sample corpus once, recalls with both rankings, reads the digest and fills a prompt', async () => {
    expect(opened.database.kind).toBe('pglite');
    const served = await serveForTest(opened.memory.server);
    try {
      const first = await runWalkthrough(served.url);
      expect(first).toMatchObject({ imported: 205, skipped: 0, searchMode: 'hybrid', digestTotal: 205 });
      expect(first.top[0]?.snippet).toContain('**canary**');
      expect(first.top[0]?.matchedBy).toEqual(['fulltext', 'vector']);
      expect(first.promptPreview).toContain('Summarize what we know about "incident postmortems"');
      const again = await runWalkthrough(served.url);
      expect(again).toMatchObject({ imported: 0, skipped: 205, digestTotal: 205 });
    } finally {
      await served.close();
    }
  });
});

describe('configuration', () => {
  it('reports every malformed variable at once and keeps secrets out of the message', () => {
    expect(() =>
      loadMemoryConfig({
        env: {
          DATABASE_URL: 'not a url',
          DB_POOL_MAX: '0',
          EMBEDDING_DIMENSIONS: 'many',
          EMBEDDINGS_API_KEY: '',
        },
        exit: false,
      }),
    ).toThrow(/DATABASE_URL[\s\S]*DB_POOL_MAX[\s\S]*EMBEDDING_DIMENSIONS/);
    const config = loadMemoryConfig({ env: { DATABASE_URL: 'postgres://u:hunter2@db:5432/x' }, exit: false });
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(config.DB_POOL_MAX).toBe(10);
  });
});
