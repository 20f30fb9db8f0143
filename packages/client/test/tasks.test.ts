import { fileURLToPath } from 'node:url';
import { createClient, RemoteError } from '@mcpkit/client';
import type { ToolSignature } from '@mcpkit/core';
import { createServer, type HttpServerHandle, silentLogger } from '@mcpkit/core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';

// Tasks (SEP-2663) through @mcpkit/client against an mcpkit server, both eras, in process and over
// HTTP (with legacy sessions, which keep the capabilities declared at `initialize`).

const seen = { cancelled: 0, started: 0, optionalAsTask: 0, optionalPlain: 0 };

function reportsServer() {
  return createServer({
    name: 'reports',
    version: '1.0.0',
    logger: silentLogger,
    tasks: { ttlMs: 60_000, pollIntervalMs: 10 },
  })
    .tool('generate_report', {
      description: 'Builds a report (a task, always)',
      input: z.object({ quarter: z.string() }),
      output: z.object({ quarter: z.string(), rows: z.number() }),
      taskSupport: 'required',
      annotations: { readOnlyHint: true },
      handler: async ({ quarter }, ctx) => {
        ctx.progress(1, 2, 'collecting orders');
        await new Promise((resolve) => setTimeout(resolve, 30));
        ctx.progress(2, 2, 'writing rows');
        await new Promise((resolve) => setTimeout(resolve, 30));
        return { quarter, rows: ctx.taskId === undefined ? 0 : 42 };
      },
    })
    .tool('publish_report', {
      description: 'Asks where to publish, then publishes',
      input: z.object({ quarter: z.string() }),
      taskSupport: 'required',
      handler: async ({ quarter }, ctx) => {
        const answer = await ctx.elicit({
          message: `Publish the ${quarter} report?`,
          requestedSchema: {
            type: 'object',
            properties: { channel: { type: 'string' } },
            required: ['channel'],
          },
        });
        return answer.action === 'accept'
          ? `published ${quarter} to ${String(answer.content?.channel)}`
          : 'no';
      },
    })
    .tool('summarize', {
      description: 'Summarizes (a task when the caller asks)',
      output: z.object({ asTask: z.boolean() }),
      taskSupport: 'optional',
      handler: (_args, ctx) => {
        if (ctx.taskId === undefined) seen.optionalPlain++;
        else seen.optionalAsTask++;
        return { asTask: ctx.taskId !== undefined };
      },
    })
    .tool('export_ledger', {
      description: 'Runs until cancelled',
      taskSupport: 'required',
      handler: async (_args, ctx) => {
        seen.started++;
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            seen.cancelled++;
            resolve();
          });
        });
        return 'done';
      },
    })
    .tool('fail_coded', {
      description: 'Fails with a coded error inside the task',
      taskSupport: 'required',
      handler: () => {
        throw new RangeError('not reached');
      },
    });
}

const server = reportsServer();
let http: HttpServerHandle;

beforeAll(async () => {
  http = await server.serve({ port: 0, host: '127.0.0.1', sessions: true });
});

afterAll(async () => {
  await http.close();
});

const targets = {
  'in process': () => server,
  http: () => http.url,
} as const;

describe.each(['modern', 'legacy'] as const)('tasks, %s era', (era) => {
  describe.each(Object.keys(targets) as Array<keyof typeof targets>)('%s', (where) => {
    const connect = () =>
      createClient<typeof server>(targets[where](), {
        era,
        elicitation: (params) => ({ action: 'accept', content: { channel: `#finance (${params.message})` } }),
      });

    it("a 'required' tool's call resolves to the task's typed result, with its status messages as progress", async () => {
      const client = await connect();
      try {
        const messages: string[] = [];
        const report = await client.tools.generate_report(
          { quarter: '2026-Q3' },
          { onProgress: (p) => messages.push(String(p.message)) },
        );
        expectTypeOf(report).toEqualTypeOf<{ quarter: string; rows: number }>();
        expect(report).toEqual({ quarter: '2026-Q3', rows: 42 });
        expect(messages).toContain('writing rows');
      } finally {
        await client.close();
      }
    });

    it("answers the task's input request with the client's elicitation handler", async () => {
      const client = await connect();
      try {
        const result = await client.callTool('publish_report', { quarter: '2026-Q3' });
        expect(result.content).toEqual([
          { type: 'text', text: 'published 2026-Q3 to #finance (Publish the 2026-Q3 report?)' },
        ]);
      } finally {
        await client.close();
      }
    });

    it('aborting the call cancels the task on the server', async () => {
      const client = await connect();
      try {
        const before = seen.cancelled;
        const started = seen.started;
        const controller = new AbortController();
        const call = client.tools.export_ledger({}, { signal: controller.signal });
        const rejected = expect(call).rejects.toThrow('user gave up');
        await expect.poll(() => seen.started).toBe(started + 1);
        controller.abort(new Error('user gave up'));
        await rejected;
        await expect.poll(() => seen.cancelled).toBe(before + 1);
      } finally {
        await client.close();
      }
    });

    it('the handle API: start, get, result, and cancel', async () => {
      const client = await connect();
      try {
        const first = await client.tasks.start('generate_report', { quarter: '2026-Q4' });
        expect(first.task?.status).toMatch(/working|completed/);
        const taskId = first.task?.taskId as string;
        const snapshot = await client.tasks.get(taskId);
        expect(snapshot.taskId).toBe(taskId);
        const result = await client.tasks.result(taskId);
        expect(result.structuredContent).toEqual({ quarter: '2026-Q4', rows: 42 });

        const before = seen.cancelled;
        const started = seen.started;
        const long = await client.tasks.start('export_ledger');
        await expect.poll(() => seen.started).toBe(started + 1);
        await client.tasks.cancel(long.task?.taskId as string);
        expect((await client.tasks.get(long.task?.taskId as string)).status).toBe('cancelled');
        await expect.poll(() => seen.cancelled).toBe(before + 1);
        await expect(client.tasks.result(long.task?.taskId as string)).rejects.toMatchObject({
          code: 'CONFLICT',
        });
      } finally {
        await client.close();
      }
    });

    it('a task that ends with a tool error rejects with a RemoteError', async () => {
      const client = await connect();
      try {
        await expect(client.tools.fail_coded()).rejects.toBeInstanceOf(RemoteError);
      } finally {
        await client.close();
      }
    });
  });
});

describe("an 'optional' tool in the modern era", () => {
  it('is a plain call by default and a task with { task: true }', async () => {
    const client = await createClient<typeof server>(server, { era: 'modern' });
    try {
      const plain = seen.optionalPlain;
      const asTask = seen.optionalAsTask;
      expect(await client.tools.summarize()).toEqual({ asTask: false });
      expect(await client.tools.summarize({}, { task: true })).toEqual({ asTask: true });
      expect([seen.optionalPlain - plain, seen.optionalAsTask - asTask]).toEqual([1, 1]);
    } finally {
      await client.close();
    }
  });
});

describe('over stdio', () => {
  it.each(['modern', 'legacy'] as const)(
    "%s: a spawned server's task, with a question, resolves to its result",
    async (era) => {
      type Reports = {
        generate_report: ToolSignature<{ quarter: string }, { quarter: string; channel: string }>;
      };
      const client = await createClient<Reports>(
        {
          command: process.execPath,
          args: [fileURLToPath(new URL('./fixtures/tasks-server.mjs', import.meta.url))],
        },
        { era, elicitation: () => ({ action: 'accept', content: { channel: '#stdio' } }) },
      );
      try {
        const messages: string[] = [];
        const report = await client.tools.generate_report(
          { quarter: 'Q2' },
          { onProgress: (p) => messages.push(String(p.message)) },
        );
        expect(report).toEqual({ quarter: 'Q2', channel: '#stdio' });
        expect(messages).toContain('collecting orders');
      } finally {
        await client.close();
      }
    },
  );
});

describe('a question without a handler', () => {
  it.each(['modern', 'legacy'] as const)('%s: rejects the call, coded', async (era) => {
    const client = await createClient<typeof server>(server, {
      era,
      capabilities: { elicitation: { form: {} } },
    });
    try {
      await expect(client.tools.publish_report({ quarter: 'Q1' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    } finally {
      await client.close();
    }
  });
});

describe('without the extension', () => {
  it("tasks: false leaves 'required' tools refused by the server", async () => {
    const client = await createClient<typeof server>(server, { era: 'modern', tasks: false });
    try {
      await expect(client.tools.generate_report({ quarter: 'Q1' })).rejects.toMatchObject({
        rpcCode: -32021,
      });
      await expect(client.tasks.get('x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await client.close();
    }
  });
});
