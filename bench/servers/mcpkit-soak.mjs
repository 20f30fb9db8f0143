// The server the soaks (soak.mjs, abandon.mjs, stream-flood.mjs) run against: the bench tools, an
// elicitation tool shaped like the conformance suite's test_elicitation, and /soak/usage, which
// reports the process's memory and what the endpoint holds. SOAK_SESSIONS=1 turns legacy sessions
// on; SOAK_LIMITS is JSON merged into the `streamLimits` option.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createMemorySessionStore, createServer } from '@mcpkit/core';
import * as z from 'zod';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

let handle;
// How long the event loop stalled (what a health probe waits behind), in ms.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const builder = registerTools(createServer({ name: 'bench-mcpkit-soak', version: '1.0.0' }))
  .tool('test_elicitation', {
    description: 'Asks the user for input and answers with what they said',
    input: z.object({ message: z.string().optional() }),
    handler: async ({ message }, ctx) => {
      const answer = await ctx.elicit({
        mode: 'form',
        message: message ?? 'Please provide your name',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      });
      return `${answer.action}: ${JSON.stringify(answer.content ?? {})}`;
    },
  })
  .route('/soak/usage', async () => {
    const connections = await new Promise((resolve) => handle.server.getConnections((_, n) => resolve(n)));
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...process.memoryUsage(),
        ...handle.usage(),
        connections,
        cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1_000),
        loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      }),
    };
  });
handle = await builder.serve({
  port: f.port,
  handleSignals: true,
  allowedHosts: [],
  // The sessions soak is one client opening sessions at full speed: a flood that the defaults refuse
  // (100 new sessions a minute per caller, no eviction of sessions active in the last 5 minutes). To
  // measure memory under sustained churn instead, this server admits every new session and lets a
  // session idle for a second make room once the store holds its 10,000.
  sessions:
    process.env.SOAK_SESSIONS === '1'
      ? { maxNewPerCaller: Infinity, store: createMemorySessionStore({ evictIdleAfterMs: 1_000 }) }
      : false,
  streamLimits: JSON.parse(process.env.SOAK_LIMITS ?? '{}'),
});
console.log(`READY ${handle.port}`);
