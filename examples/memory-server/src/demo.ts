import { loadMemoryConfig } from './config.js';
import { runWalkthrough } from './demo-walkthrough.js';
import { inspectorCommands } from './inspector-commands.js';
import { openFromConfig } from './open-from-config.js';

// The demo needs nothing installed: without DATABASE_URL it runs on PGlite in memory.
// Request logs would drown the walkthrough; LOG_LEVEL=info brings them back.
process.env.LOG_LEVEL ??= 'warn';
const config = loadMemoryConfig();
const once = process.argv.includes('--once');
const opened = await openFromConfig({ ...config, MEMORY_API_KEYS: undefined });
const handle = await opened.memory.server.serve({
  port: once ? 0 : Number(process.env.PORT || 3000),
  handleSignals: false,
});
const out = (line = '') => process.stdout.write(`${line}\n`);

out(
  `mcpkit memory server demo — ${opened.database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite, in memory'}; ${handle.url}`,
);
const report = await runWalkthrough(handle.url);
out(`imported the sample corpus: ${report.imported} new, ${report.skipped} already there`);
out(`recall "canary deploy traffic" (${report.searchMode}${report.degraded ? `; ${report.degraded}` : ''}):`);
for (const hit of report.top) out(`  ${hit.id}  [${hit.matchedBy.join('+')}]  ${hit.snippet}`);
out(`memory://digest: ${report.digestTotal} memories`);
out(`prompt summarize_topic: ${report.promptPreview.split('\n')[0]}`);

if (once) {
  await handle.close();
  await opened.close();
} else {
  const inspector = inspectorCommands(handle.url);
  out();
  out('Still serving (both protocol eras). Try it with the MCP Inspector CLI:');
  out(`  ${inspector.listTools}`);
  out(`  ${inspector.recall}`);
  out(`  ${inspector.readDigest}`);
  out('Stop: Ctrl+C');
  const stop = async () => {
    await handle.close();
    await opened.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
