// Scale bench of the memory server on a real PostgreSQL (DATABASE_URL, default the local `test`
// database): N entries (default 100 000), `recall` p50/p99 before and after the full-text GIN
// index and (with pgvector) the HNSW vector index, `remember` throughput, then 50 concurrent
// callers, checking the pool afterwards.
// It reports numbers; it asserts none. `--quick` runs 5 000 entries.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { apiKey, hashApiKey } from '@mcpkit/middleware';
import { createTestClient, type TestClient } from '@mcpkit/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { createMemoryServer } from '../src/server.js';
import { openDatabase } from '../src/storage/open-database.js';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENTRIES = process.argv.includes('--quick') ? 5_000 : Number(process.env.BENCH_ENTRIES ?? 100_000);
const POOL = 10;
const CONCURRENCY = 50;
// About 8 000 made-up words (three syllables each), so a query word matches a few hundred of 100 000
// entries, as words do in real notes; a tiny vocabulary would make every query match half the table.
const SYLLABLES = 'ka lo mi nu pe ra si to vu we xa yo zi ba ce da fe gi ho ju'.split(' ');
const word = (n: number) =>
  `${SYLLABLES[n % 20]}${SYLLABLES[Math.floor(n / 20) % 20]}${SYLLABLES[Math.floor(n / 400) % 20]}`;
const VOCABULARY = 8_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function timed(label: string, runs: number, work: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = (await work(i)) as { isError?: boolean } | undefined;
    samples.push(performance.now() - started);
    if (result?.isError) errors++;
  }
  samples.sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms (${runs} calls, ${errors} errors)`,
  );
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, connectionString = BASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const name = `membench_${randomBytes(4).toString('hex')}`;
await admin((client) => client.query(`create database ${name}`));
const url = new URL(BASE_URL);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString(), poolMax: POOL, statementTimeoutMs: 30_000 });
const memory = await createMemoryServer({
  database,
  recallCacheTtlMs: 0, // measure the database, not the cache
  auth: apiKey({ keys: [{ hash: hashApiKey('bench'), subject: 'bench', claims: { tenant: 'bench' } }] }),
});
const client: TestClient = await createTestClient(memory.server, { headers: { 'x-api-key': 'bench' } });
// A cheap deterministic scramble, so entries share words in no regular pattern.
const pick = (i: number, k: number) => (Math.imul(i + 1, 2_654_435_761) ^ Math.imul(k + 1, 40_503)) >>> 0;
const sentence = (i: number) =>
  `${Array.from({ length: 12 }, (_, k) => word(pick(i, k) % VOCABULARY)).join(' ')} note ${i}`;
const query = (i: number) => `${word(pick(i, 0) % VOCABULARY)} ${word(pick(i * 3, 1) % VOCABULARY)}`;

try {
  console.log(
    `memory-server bench: ${ENTRIES} entries on PostgreSQL (pgvector: ${database.vector}), pool ${POOL}`,
  );
  // The HNSW index is built once the rows are in, as one would after a bulk load; import_memories
  // below runs with the GIN indexes in place.
  if (database.vector) await sql`drop index memories_embedding`.execute(database.db);
  let started = performance.now();
  for (let start = 0; start < ENTRIES; start += 500) {
    const items = Array.from({ length: Math.min(500, ENTRIES - start) }, (_, k) => ({
      content: sentence(start + k),
      tags: [`t${(start + k) % 50}`],
      clientKey: `bench-${start + k}`,
    }));
    const result = await client.callTool('import_memories', { items });
    if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
  }
  console.log(
    `import_memories: ${ENTRIES} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  await sql`drop index memories_search`.execute(database.db);
  await sql`analyze memories`.execute(database.db);
  await timed('recall without the GIN index', 50, (i) =>
    client.callTool('recall', { query: query(i), mode: 'fulltext' }),
  );
  started = performance.now();
  await timed('remember, no GIN nor HNSW   ', 200, (i) =>
    client.callTool('remember', { content: sentence(3 * ENTRIES + i) }),
  );
  console.log(
    `remember throughput without the search indexes: ${(200 / ((performance.now() - started) / 1000)).toFixed(0)}/s with one caller`,
  );
  await sql`create index memories_search on memories using gin (search)`.execute(database.db);
  await sql`analyze memories`.execute(database.db);
  await timed('recall with the GIN index   ', 200, (i) =>
    client.callTool('recall', { query: query(i), mode: 'fulltext' }),
  );
  await timed('recall, tag filter + index  ', 200, (i) =>
    client.callTool('recall', { query: query(i), tags: [`t${i % 50}`], mode: 'fulltext' }),
  );
  if (database.vector) {
    await timed('recall vector, no HNSW index', 50, (i) =>
      client.callTool('recall', { query: query(i), mode: 'vector' }),
    );
    const building = performance.now();
    await admin(async (c) => {
      await c.query(`set maintenance_work_mem = '512MB'`);
      await c.query('create index memories_embedding on memories using hnsw (embedding vector_cosine_ops)');
      await c.query('analyze memories');
    }, url.toString());
    console.log(
      `HNSW index built on ${ENTRIES} vectors in ${((performance.now() - building) / 1000).toFixed(1)} s`,
    );
    await timed('recall vector + HNSW index  ', 200, (i) =>
      client.callTool('recall', { query: query(i), mode: 'vector' }),
    );
    await timed('recall hybrid, both indexes ', 200, (i) => client.callTool('recall', { query: query(i) }));
    await timed('recall hybrid + tag filter  ', 200, (i) =>
      client.callTool('recall', { query: query(i), tags: [`t${i % 50}`] }),
    );
  }

  started = performance.now();
  await timed('remember (one caller)       ', 500, (i) =>
    client.callTool('remember', { content: sentence(ENTRIES + i) }),
  );
  const serial = 500 / ((performance.now() - started) / 1000);
  started = performance.now();
  let errors = 0;
  const perWorker = 40;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let k = 0; k < perWorker; k++) {
        const i = w * perWorker + k;
        const result =
          k % 2 === 0
            ? await client.callTool('remember', { content: sentence(2 * ENTRIES + i) })
            : await client.callTool('recall', { query: query(i) });
        if (result.isError) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `remember throughput: ${serial.toFixed(0)}/s with one caller; ${CONCURRENCY} concurrent callers: ${((CONCURRENCY * perWorker) / seconds).toFixed(0)} calls/s (half remember, half recall${database.vector ? ' hybrid' : ''}), ${errors} errors`,
  );
  const stats = database.poolStats();
  const backends = await admin((c) =>
    c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]),
  );
  console.log(
    `after the burst: pool total ${stats?.total} idle ${stats?.idle} waiting ${stats?.waiting}; pg_stat_activity for the database: ${backends.rows[0]?.n} (pool ≤ ${POOL} + 1 LISTEN connection)`,
  );
} finally {
  await client.close();
  await memory.close();
  await database.close();
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}
