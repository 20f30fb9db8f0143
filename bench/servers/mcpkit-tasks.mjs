import * as f from '../fixtures.mjs';
import { tasksServer } from './mcpkit-tasks-tools.mjs';

const handle = await tasksServer().serve({ port: f.port, handleSignals: true, allowedHosts: [] });
console.log(`READY ${handle.port}`);
