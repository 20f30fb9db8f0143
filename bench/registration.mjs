#!/usr/bin/env node
// Start-up cost of registering tools: .tool() for N tools (zod input) and build(), in this
// process, for several N; linear registration keeps the time per tool flat.
//   node bench/registration.mjs [--counts 1000,5000,20000]
import { parseArgs } from 'node:util';
import { createServer } from '@mcpkit/core';
import * as f from './fixtures.mjs';

const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '1000,5000,20000' },
    quick: { type: 'boolean', default: false },
  },
});
const counts = (args.quick ? '100,1000' : args.counts).split(',').map(Number);
console.log('tools   register ms   build ms   total ms   µs per tool');
const rows = [];
for (const count of counts) {
  const started = performance.now();
  let builder = createServer({ name: 'bench-registration', version: '1.0.0' });
  for (let i = 0; i < count; i++) {
    builder = builder.tool(`tool_${i}`, {
      description: `Tool ${i}`,
      input: f.fillerInput,
      handler: f.filler,
    });
  }
  const registered = performance.now();
  builder.build();
  const built = performance.now();
  const row = {
    count,
    registerMs: registered - started,
    buildMs: built - registered,
    totalMs: built - started,
  };
  rows.push(row);
  console.log(
    `${String(count).padStart(5)}  ${row.registerMs.toFixed(0).padStart(12)}  ${row.buildMs.toFixed(0).padStart(9)}  ${row.totalMs
      .toFixed(0)
      .padStart(9)}  ${((row.totalMs * 1000) / count).toFixed(1).padStart(12)}`,
  );
}
const [small, large] = [rows[rows.length - 2], rows[rows.length - 1]];
if (small && large)
  console.log(`${large.count}/${small.count} tools: ${(large.totalMs / small.totalMs).toFixed(2)}× the time`);
