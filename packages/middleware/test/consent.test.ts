// Acceptance 6: destructive tools run only after the user accepts, in both eras.
import { createServer, silentLogger } from '@mcpkit/core';
import {
  connectTestClient,
  createTestClient,
  expectToolError,
  resultText,
  serveForTest,
} from '@mcpkit/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { consent } from '../src/index.js';

function app(runs: string[]) {
  return createServer({ name: 'consent', version: '1.0.0', logger: silentLogger })
    .use('tools/call', consent({ tools: ['wipe-cache'] }))
    .tool('delete-account', {
      description: 'Deletes an account',
      input: z.object({ id: z.string() }),
      annotations: { destructiveHint: true },
      handler: ({ id }) => {
        runs.push(`delete ${id}`);
        return `deleted ${id}`;
      },
    })
    .tool('wipe-cache', {
      description: 'Listed explicitly',
      handler: () => {
        runs.push('wipe');
        return 'wiped';
      },
    })
    .tool('read-account', {
      description: 'Harmless',
      annotations: { readOnlyHint: true },
      handler: () => {
        runs.push('read');
        return 'read';
      },
    });
}

describe('consent', () => {
  it('runs a destructive tool only after an accepting answer, in both eras', async () => {
    const lines: string[] = [];
    for (const era of ['modern', 'legacy'] as const) {
      const runs: string[] = [];
      const asked: string[] = [];
      const client = await createTestClient(app(runs), {
        era,
        elicitation: (params) => {
          asked.push(params.message);
          return { action: 'accept', content: { confirm: true } };
        },
      });
      expect(resultText(await client.callTool('delete-account', { id: 'acc-7' }))).toBe('deleted acc-7');
      expect(resultText(await client.callTool('wipe-cache'))).toBe('wiped');
      expect(resultText(await client.callTool('read-account'))).toBe('read');
      expect(asked).toHaveLength(2);
      expect(asked[0]).toMatch(/delete-account/);
      expect(runs).toEqual(['delete acc-7', 'wipe', 'read']);
      lines.push(`${era}: accept → ran`);
      await client.close();
    }
    console.log(`consent(accept): ${lines.join('; ')}`);
  });

  it('refuses with FORBIDDEN and never runs the handler on decline, cancel, unconfirmed accept or no elicitation', async () => {
    const lines: string[] = [];
    const answers = [
      { action: 'decline' as const },
      { action: 'cancel' as const },
      { action: 'accept' as const, content: { confirm: false } },
    ];
    for (const era of ['modern', 'legacy'] as const) {
      for (const answer of answers) {
        const runs: string[] = [];
        const client = await createTestClient(app(runs), { era, elicitation: () => answer });
        const error = expectToolError(await client.callTool('delete-account', { id: 'acc-1' }), 'FORBIDDEN');
        expect(error.details).toEqual({ consent: 'declined', tool: 'delete-account' });
        expect(runs).toEqual([]);
        lines.push(`${era} ${answer.action}${answer.content ? '(confirm:false)' : ''} → ${error.code}`);
        await client.close();
      }
      const runs: string[] = [];
      const client = await createTestClient(app(runs), { era });
      const error = expectToolError(await client.callTool('delete-account', { id: 'acc-1' }), 'FORBIDDEN');
      expect(error.details).toEqual({ consent: 'unavailable', tool: 'delete-account' });
      expect(runs).toEqual([]);
      lines.push(`${era} no-elicitation → ${error.code}`);
      await client.close();
    }
    console.log(`consent(refusals): ${lines.join('; ')}; handler runs: 0`);
  });

  it('asks over HTTP too', async () => {
    const runs: string[] = [];
    const server = await serveForTest(app(runs));
    try {
      for (const era of ['modern', 'legacy'] as const) {
        const client = await connectTestClient(server.url, {
          era,
          elicitation: () => ({ action: 'accept', content: { confirm: true } }),
        });
        expect(resultText(await client.callTool('delete-account', { id: era }))).toBe(`deleted ${era}`);
        await client.close();
      }
      expect(runs).toEqual(['delete modern', 'delete legacy']);
    } finally {
      await server.close();
    }
  });
});
