import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clientMatrix, expectToolError, resultText } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notesServer } from './fixtures/notes-server.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/notes-server.mjs', import.meta.url));

beforeAll(() => {
  // The stdio runs start a built server: the fixture imports the built @mcpkit/core.
  if (!existsSync(`${REPO}packages/core/dist/index.js`)) {
    execFileSync('pnpm', ['turbo', 'run', 'build', '--filter=@mcpkit/core'], { cwd: REPO, stdio: 'ignore' });
  }
}, 180_000);

const seen = new Set<string>();

describeEachClient(
  'notes',
  {
    server: notesServer(),
    stdio: { command: process.execPath, args: [FIXTURE], env: { LOG_LEVEL: 'silent' } },
  },
  (run) => {
    it('reads a note', async () => {
      seen.add(`${run.era} ${run.transport} ${run.client.era}`);
      expect(resultText(await run.client.callTool('get_note', { id: 'n1' }))).toBe('Buy milk');
    });

    it('answers an unknown note with NOT_FOUND', async () => {
      expectToolError(await run.client.callTool('get_note', { id: 'n9' }), 'NOT_FOUND');
    });

    it('connects more clients in the same era and transport', async () => {
      const other = await run.connect({ clientName: 'second' });
      expect(other.era).toBe(run.era);
      expect(resultText(await other.callTool('get_note', { id: 'n1' }))).toBe('Buy milk');
    });
  },
);

// A server made in a beforeAll (on a database opened there, say) is passed as a function: it is
// called when the first client connects, after the outer hooks ran.
describe('a server made in beforeAll', () => {
  let made: ReturnType<typeof notesServer> | undefined;
  let calls = 0;
  beforeAll(() => {
    made = notesServer();
  });
  describeEachClient(
    'notes made late',
    {
      server: () => {
        calls++;
        if (!made) throw new Error('the server factory ran before beforeAll');
        return made;
      },
    },
    (run) => {
      it('reads a note from the server the hook made', async () => {
        expect(resultText(await run.client.callTool('get_note', { id: 'n1' }))).toBe('Buy milk');
      });
    },
  );
  afterAll(() => {
    // One server for all four runs: the factory ran once.
    expect(calls).toBe(1);
  });
});

describe('describeEachClient', () => {
  afterAll(() => {
    // Every era × transport ran, and each landed on the era it was named after.
    expect([...seen].sort()).toEqual([
      'legacy http legacy',
      'legacy in-process legacy',
      'legacy stdio legacy',
      'modern http modern',
      'modern in-process modern',
      'modern stdio modern',
    ]);
  });

  it('names each run after its era and transport', () => {
    const runs = clientMatrix({ server: notesServer(), stdio: { command: process.execPath } });
    expect(runs.map((r) => r.name)).toEqual([
      'modern · in-process',
      'modern · http',
      'modern · stdio',
      'legacy · in-process',
      'legacy · http',
      'legacy · stdio',
    ]);
  });

  it('runs only the eras and transports asked for', () => {
    const runs = clientMatrix({ server: notesServer(), eras: ['legacy'], transports: ['http'] });
    expect(runs.map((r) => r.name)).toEqual(['legacy · http']);
  });

  it('refuses a matrix it cannot run with a coded error', () => {
    expect(() => clientMatrix({})).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => clientMatrix({ transports: ['http'] })).toThrow(/needs `server`/);
    expect(() => clientMatrix({ server: notesServer(), transports: ['stdio'] })).toThrow(/needs `stdio`/);
  });

  it("starts a stdio run's client with its own environment, and hands its stderr to onStderr", async () => {
    const stderr: string[] = [];
    const [run] = clientMatrix({
      eras: ['legacy'],
      stdio: {
        command: process.execPath,
        args: [FIXTURE],
        env: { LOG_LEVEL: 'silent', NOTES_USER: 'ada' },
        onStderr: (text) => stderr.push(text),
      },
    });
    const ada = await run!.connect();
    const bob = await run!.connect({ env: { NOTES_USER: 'bob' } });
    expect(resultText(await ada.callTool('whoami'))).toBe('ada');
    expect(resultText(await bob.callTool('whoami'))).toBe('bob');
    await run!.close();
    expect(stderr.join('')).toContain('whoami: ada');
    expect(stderr.join('')).toContain('whoami: bob');
  });

  it('closes the clients of a run, and connects again on a fresh endpoint after', async () => {
    const [run] = clientMatrix({ server: notesServer(), eras: ['legacy'], transports: ['http'] });
    const client = await run!.connect();
    await run!.close();
    await expect(client.callTool('get_note', { id: 'n1' })).rejects.toThrow(/Not connected/);
    const again = await run!.connect();
    expect(resultText(await again.callTool('get_note', { id: 'n1' }))).toBe('Buy milk');
    await run!.close();
  });
});
