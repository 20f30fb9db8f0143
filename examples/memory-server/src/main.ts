import { loadMemoryConfig } from './config.js';
import { inspectorCommands } from './inspector-commands.js';
import { openFromConfig } from './open-from-config.js';

const config = loadMemoryConfig();
const opened = await openFromConfig(config);
const { server } = opened.memory;
const where =
  opened.database.kind === 'postgres' ? 'PostgreSQL' : `PGlite (${config.PGLITE_DATA_DIR ?? 'in memory'})`;
const search = opened.memory.service.searchStatus();

if (process.argv.includes('--stdio')) {
  const handle = server.stdio({ handleSignals: false });
  process.once('SIGTERM', () => void handle.close());
  process.once('SIGINT', () => void handle.close());
  await handle.closed;
  await opened.close();
} else {
  const handle = await server.serve({ port: Number(process.env.PORT || 3000), handleSignals: false });
  const stop = async () => {
    await handle.close();
    await opened.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const inspector = inspectorCommands(handle.url);
  process.stderr.write(
    `\nmcpkit memory server on ${handle.url} — storage: ${where}; search: ${search.mode}${search.reason ? ` (${search.reason})` : ''}\n` +
      `  list the tools:   ${inspector.listTools}\n` +
      `  recall:           ${inspector.recall}\n` +
      `Readiness: ${handle.url.replace(/\/mcp$/, '/readyz')}   Stop: Ctrl+C\n\n`,
  );
}
