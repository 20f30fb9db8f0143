import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type RemoteError } from '@mcpkit/client';
import { createServer, type HttpServerHandle, McpkitError, silentLogger } from '@mcpkit/core';
import { createClientCredentialsProvider } from '@mcpkit/resilience';
import { afterEach, describe, expect, it } from 'vitest';

/** A server that lets a request through only when `accept` approves its headers, at the HTTP edge and in process. */
function guardedServer(accept: (headers: Readonly<Record<string, string | undefined>>) => boolean) {
  const refuse = () =>
    new McpkitError('UNAUTHORIZED', 'Missing or invalid credentials.', { hint: 'Send a valid credential.' });
  return createServer({ name: 'guarded', version: '1.0.0', logger: silentLogger })
    .guard((req) => {
      if (!accept(req.headers)) throw refuse();
      return undefined;
    })
    .use(async (ctx, next) => {
      if (!accept(ctx.headers)) throw refuse();
      return next();
    })
    .tool('whoami', {
      description: 'Says which credential the call carried',
      handler: (_args, ctx) => ctx.headers.authorization ?? ctx.headers['x-api-key'] ?? 'nobody',
    });
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(server: ReturnType<typeof guardedServer>): Promise<HttpServerHandle> {
  const http = await server.serve({ port: 0, host: '127.0.0.1' });
  closers.push(() => http.close());
  return http;
}

const text = (result: { content: Array<{ type: string; text?: string }> }) => result.content[0]?.text;

describe('auth', () => {
  it('sends a bearer token over HTTP, and a wrong one fails with UNAUTHORIZED', async () => {
    const http = await serve(guardedServer((h) => h.authorization === 'Bearer s3cret'));
    const client = await createClient(http.url, { auth: { type: 'bearer', token: 's3cret' } });
    closers.push(() => client.close());
    expect(text(await client.callTool('whoami'))).toBe('Bearer s3cret');
    const refused = await createClient(http.url, { auth: { type: 'bearer', token: 'wrong' } }).catch(
      (e: unknown) => e,
    );
    expect((refused as RemoteError).code).toBe('UNAUTHORIZED');
  });

  it('sends an API-key header read per request, so a rotated key is picked up', async () => {
    let current = 'key-1';
    const http = await serve(guardedServer((h) => h['x-api-key'] === current));
    let key = 'key-1';
    const client = await createClient(http.url, {
      auth: { type: 'header', name: 'X-Api-Key', value: () => key },
    });
    closers.push(() => client.close());
    expect(text(await client.callTool('whoami'))).toBe('key-1');
    current = 'key-2';
    key = 'key-2';
    expect(text(await client.callTool('whoami'))).toBe('key-2');
  });

  it('carries the credential in process too (ctx.headers)', async () => {
    const client = await createClient(
      guardedServer((h) => h.authorization === 'Bearer local'),
      {
        auth: { type: 'bearer', token: 'local' },
      },
    );
    closers.push(() => client.close());
    expect(text(await client.callTool('whoami'))).toBe('Bearer local');
  });

  it('gets tokens with client credentials and fetches a new one when the server answers 401', async () => {
    let issued = 0;
    const valid = new Set<string>();
    const tokenServer: Server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from('svc:svc-secret').toString('base64');
        if (
          form.get('grant_type') !== 'client_credentials' ||
          req.headers.authorization !== `Basic ${basic}`
        ) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
          return;
        }
        const token = `token-${++issued}`;
        valid.add(token);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => tokenServer.close(resolve)));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    const http = await serve(guardedServer((h) => valid.has(h.authorization?.replace(/^Bearer /, '') ?? '')));

    const client = await createClient(http.url, {
      auth: createClientCredentialsProvider({ tokenUrl, clientId: 'svc', clientSecret: 'svc-secret' }),
    });
    closers.push(() => client.close());
    expect(text(await client.callTool('whoami'))).toBe('Bearer token-1');
    expect(text(await client.callTool('whoami'))).toBe('Bearer token-1');
    // The server stops accepting the token: the client drops it and asks for a new one.
    valid.delete('token-1');
    expect(text(await client.callTool('whoami'))).toBe('Bearer token-2');
    expect(issued).toBe(2);
  });
});
