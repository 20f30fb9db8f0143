import { createEverythingServer } from './server.js';

const server = createEverythingServer();

if (process.argv.includes('--stdio')) {
  server.stdio();
} else {
  const port = Number(process.env.PORT || 3000);
  const handle = await server.serve({ port, sessions: true });
  server.logger.info({ url: handle.url }, 'mcpkit everything server listening');
  process.stderr.write(
    `\nmcpkit everything server is up at ${handle.url}\n` +
      `Connect any MCP client to that URL (Streamable HTTP; both protocol eras), for example:\n` +
      `  npx @modelcontextprotocol/inspector --transport http --server-url ${handle.url}\n` +
      `Health: ${handle.url.replace(/\/mcp$/, '/healthz')}   Stop: Ctrl+C (drains in-flight calls)\n\n`,
  );
}
