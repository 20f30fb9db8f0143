// Acceptance 6: destructive tools run only after the user accepts, in both eras.
import { createServer, silentLogger } from '@mcpkit/core';
import { expectToolError, resultText, runMiddleware } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import type { ElicitResult } from '@modelcontextprotocol/client';
import { beforeEach, describe, expect, it } from 'vitest';
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

/** What the shared client of each run answers to a consent question; reset before every test. */
let answer: ElicitResult = { action: 'accept', content: { confirm: true } };
const asked: string[] = [];
const runs: string[] = [];

// In process and over Streamable HTTP, in both eras.
describeEachClient(
  'consent',
  {
    server: app(runs),
    client: {
      elicitation: (params) => {
        asked.push(params.message);
        return answer;
      },
    },
  },
  (run) => {
    beforeEach(() => {
      answer = { action: 'accept', content: { confirm: true } };
      asked.length = 0;
      runs.length = 0;
    });

    it('runs a destructive tool only after an accepting answer', async () => {
      expect(resultText(await run.client.callTool('delete-account', { id: 'acc-7' }))).toBe('deleted acc-7');
      expect(resultText(await run.client.callTool('wipe-cache'))).toBe('wiped');
      expect(resultText(await run.client.callTool('read-account'))).toBe('read');
      expect(asked).toHaveLength(2);
      expect(asked[0]).toMatch(/delete-account/);
      expect(runs).toEqual(['delete acc-7', 'wipe', 'read']);
    });

    it.each([
      { action: 'decline' as const },
      { action: 'cancel' as const },
      { action: 'accept' as const, content: { confirm: false } },
    ])('refuses with FORBIDDEN and never runs the handler on $action (content $content)', async (refusal) => {
      answer = refusal;
      const error = expectToolError(
        await run.client.callTool('delete-account', { id: 'acc-1' }),
        'FORBIDDEN',
      );
      expect(error.details).toEqual({ consent: 'declined', tool: 'delete-account' });
      expect(runs).toEqual([]);
    });

    it('refuses with FORBIDDEN when the client cannot elicit', async () => {
      const bare = await run.connect();
      const error = expectToolError(await bare.callTool('delete-account', { id: 'acc-1' }), 'FORBIDDEN');
      expect(error.details).toEqual({ consent: 'unavailable', tool: 'delete-account' });
      expect(runs).toEqual([]);
    });
  },
);

// The same middleware in isolation: a hand-made context and a stub next, no server.
describe('consent() in isolation', () => {
  const destructive = { annotations: { destructiveHint: true } };

  it('asks once and calls next after an accepting answer', async () => {
    const run = await runMiddleware(consent(), {
      name: 'delete-account',
      tool: destructive,
      elicitation: () => ({ action: 'accept', content: { confirm: true } }),
      next: () => ({ content: [{ type: 'text', text: 'deleted' }] }),
    });
    expect(run.nextCalls).toBe(1);
    expect(run.context.recorded.elicitations).toHaveLength(1);
    expect(run.context.recorded.elicitations[0]?.message).toMatch(/delete-account/);
  });

  it('never calls next on a decline, and leaves harmless tools alone', async () => {
    let called = 0;
    await expect(
      runMiddleware(consent(), {
        name: 'delete-account',
        tool: destructive,
        elicitation: () => ({ action: 'decline' }),
        next: () => {
          called++;
          return { content: [] };
        },
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', details: { consent: 'declined', tool: 'delete-account' } });
    expect(called).toBe(0);
    const harmless = await runMiddleware(consent(), {
      name: 'read-account',
      tool: { annotations: { readOnlyHint: true } },
    });
    expect(harmless.nextCalls).toBe(1);
    expect(harmless.context.recorded.elicitations).toEqual([]);
  });
});
