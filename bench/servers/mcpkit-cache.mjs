// mcpkit with @mcpkit/cache installed: `add` as on the bare server and `add_cached`, the same tool
// behind cache({ ttlMs }) with an in-memory store. Workload (e) calls add_cached with the same
// arguments every time, so after the first call every request is a cache hit.
import { cache, createCache, createMemoryCacheStore } from '@mcpkit/cache';
import { createServer } from '@mcpkit/core';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const builder = registerTools(
  createServer({ name: 'bench-mcpkit-cache', version: '1.0.0' }).use(
    createCache({ store: createMemoryCacheStore({ max: 10_000 }) }),
  ),
).tool('add_cached', {
  description: 'Adds two numbers (cached)',
  input: f.addInput,
  use: [cache({ ttlMs: 3_600_000 })],
  handler: f.add,
});
const handle = await builder.serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
