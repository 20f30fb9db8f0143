import { ConfigError } from '@mcpkit/core';
import { createBusinessServer } from './server.js';
import { describeProviders } from './startup-summary.js';

let origin: string | undefined;
try {
  const { builder, providers } = await createBusinessServer({ publicUrl: () => origin });
  const port = Number(process.env.PORT || 3000);
  const handle = await builder.serve({ port, host: process.env.HOST ?? '127.0.0.1' });
  origin = handle.url.replace(/\/mcp$/, '');
  process.stderr.write(describeProviders(providers, handle.url));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One message listing every problem of every provider; values are never printed.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
