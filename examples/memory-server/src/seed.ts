import { loadMemoryConfig } from './config.js';
import { runWalkthrough } from './demo-walkthrough.js';
import { openFromConfig } from './open-from-config.js';

// Loads the sample corpus into a database that outlives the process (DATABASE_URL or PGLITE_DATA_DIR).
const config = loadMemoryConfig();
if (!config.DATABASE_URL && !config.PGLITE_DATA_DIR) {
  process.stderr.write(
    'Nothing to seed into: set DATABASE_URL, or PGLITE_DATA_DIR for an embedded database kept on disk.\n',
  );
  process.exit(1);
}
const tenant = process.env.SEED_TENANT ?? 'local';
const opened = await openFromConfig({ ...config, MEMORY_API_KEYS: `${tenant}:seed-key` });
const handle = await opened.memory.server.serve({ port: 0, handleSignals: false });
try {
  const report = await runWalkthrough(handle.url, { 'x-api-key': 'seed-key' });
  process.stdout.write(
    `seeded tenant "${tenant}": ${report.imported} new memories, ${report.skipped} already there\n`,
  );
} finally {
  await handle.close();
  await opened.close();
}
