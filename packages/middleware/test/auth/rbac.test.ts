import { createServer, silentLogger } from '@mcpkit/core';
import { createTestClient, expectToolError, resultText } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import { apiKey, hashApiKey, rbac, requireScopes, withRoleScopes } from '../../src/index.js';

expect.extend(mcpkitMatchers);

const keys = [
  { hash: hashApiKey('admin-key'), subject: 'alice', claims: { roles: ['admin'] } },
  { hash: hashApiKey('viewer-key'), subject: 'bob', scopes: ['reports:read'], claims: { roles: 'viewer' } },
];

function app() {
  return createServer({ name: 'rbac', version: '1.0.0', logger: silentLogger })
    .use(
      apiKey({ keys }),
      rbac({
        roles: { admin: ['payments:write', 'reports:read'], viewer: ['reports:read'] },
        tools: { refund: ['payments:write'], report: ['reports:read'] },
        prompts: { 'refund-policy': ['payments:write'] },
        resources: { 'bank://ledger': ['payments:write'] },
      }),
    )
    .tool('refund', { description: 'Refunds', handler: () => 'refunded' })
    .tool('report', { description: 'Reports', handler: () => 'report' })
    .tool('ping', { description: 'Open to all', handler: () => 'pong' })
    .tool('export', {
      description: 'Needs an explicit scope',
      use: [requireScopes('reports:export')],
      handler: () => 'exported',
    })
    .prompt('refund-policy', { description: 'Policy', get: () => 'policy' })
    .resource('bank://ledger', { name: 'ledger', description: 'Ledger', read: () => 'ledger' });
}

const as = (key: string) => createTestClient(app(), { headers: { 'x-api-key': key } });

describe('rbac and requireScopes', () => {
  it('expands roles into scopes', () => {
    const auth = withRoleScopes(
      { subject: 's', scopes: ['x'], claims: { roles: ['admin'] } },
      { admin: ['y'] },
    );
    expect(auth.scopes).toEqual(['x', 'y']);
  });

  it('lists only the tools, prompts and resources a caller may use', async () => {
    const viewer = await as('viewer-key');
    expect((await viewer.listTools()).tools.map((t) => t.name).sort()).toEqual(['export', 'ping', 'report']);
    expect((await viewer.listPrompts()).prompts).toEqual([]);
    expect((await viewer.listResources()).resources).toEqual([]);
    await viewer.close();
    const admin = await as('admin-key');
    expect((await admin.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'export',
      'ping',
      'refund',
      'report',
    ]);
    expect((await admin.listPrompts()).prompts.map((p) => p.name)).toEqual(['refund-policy']);
    await admin.close();
  });

  it('refuses a hidden item exactly like an unknown one, and serves it to a caller whose role allows it', async () => {
    const viewer = await as('viewer-key');
    const hidden = await viewer.callTool('refund').then(
      () => 'served',
      (e: Error) => e.message,
    );
    const unknown = await viewer.callToolUnchecked('no-such-tool').then(
      () => 'served',
      (e: Error) => e.message,
    );
    expect(hidden).toBe(unknown.replace('no-such-tool', 'refund'));
    await expect(viewer.getPrompt('refund-policy')).rejects.toThrow(/Unknown prompt: refund-policy/);
    await expect(viewer.readResource('bank://ledger')).rejects.toThrow(/Resource not found/);
    expect(resultText(await viewer.callTool('report'))).toBe('report');
    await viewer.close();
    const admin = await as('admin-key');
    expect(resultText(await admin.callTool('refund'))).toBe('refunded');
    await admin.close();
  });

  it('requireScopes refuses a visible tool with FORBIDDEN naming the missing scope', async () => {
    const viewer = await as('viewer-key');
    const error = expectToolError(await viewer.callTool('export'), 'FORBIDDEN');
    expect(error.details).toEqual({ reason: 'insufficient_scope', requiredScopes: ['reports:export'] });
    expect(error.hint).toMatch(/reports:export/);
    await viewer.close();
  });

  it('requireScopes refuses an anonymous caller with UNAUTHORIZED', async () => {
    const server = createServer({ name: 'open', version: '1', logger: silentLogger }).tool('t', {
      description: 'Scoped without auth',
      use: [requireScopes('a')],
      handler: () => 'ran',
    });
    const client = await createTestClient(server);
    expect(await client.callTool('t')).toBeToolError('UNAUTHORIZED');
    await client.close();
  });
});
