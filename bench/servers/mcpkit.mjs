import { createServer } from '@mcpkit/core';
import * as f from '../fixtures.mjs';
import { registerTools } from './mcpkit-tools.mjs';

const builder = registerTools(createServer({ name: 'bench-mcpkit', version: '1.0.0' }));
const handle = await builder.serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
