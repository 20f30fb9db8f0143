import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client, type ElicitRequestParams, type ElicitResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The checkout this test file belongs to, wherever it was cloned.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = `${REPO}examples/everything-server/dist/main.js`;
const MODERN = '2026-07-28';

beforeAll(() => {
  // The stdio tests run the built example, exactly as a user would start it.
  if (!existsSync(SERVER)) execFileSync('pnpm', ['turbo', 'run', 'build'], { cwd: REPO, stdio: 'ignore' });
}, 180_000);

/** Answers the example's elicitation forms: a name for `input_required` fixtures, a username/email otherwise. */
function answerElicitation(params: ElicitRequestParams): ElicitResult {
  const properties = ('requestedSchema' in params ? params.requestedSchema?.properties : undefined) ?? {};
  if ('name' in properties) return { action: 'accept', content: { name: 'Ada' } };
  return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
}

const eras = [
  { era: 'legacy', versionNegotiation: undefined },
  { era: 'modern', versionNegotiation: { mode: { pin: MODERN } } },
] as const;

describe.each(eras)('stdio through the official client ($era era)', ({ era, versionNegotiation }) => {
  let client: Client | undefined;
  let transport: StdioClientTransport | undefined;
  const elicited: ElicitRequestParams[] = [];

  afterEach(async () => {
    await client?.close().catch(() => undefined);
    const pid = transport?.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone: close() reaped it.
      }
    }
    client = undefined;
    transport = undefined;
    elicited.length = 0;
  });

  async function connect(): Promise<Client> {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER, '--stdio'],
      env: { LOG_LEVEL: 'silent' },
      stderr: 'ignore',
    });
    client = new Client(
      { name: 'stdio-test', version: '1.0.0' },
      { capabilities: { elicitation: {} }, ...(versionNegotiation ? { versionNegotiation } : {}) },
    );
    client.setRequestHandler('elicitation/create', async (request) => {
      elicited.push(request.params);
      return answerElicitation(request.params);
    });
    await client.connect(transport);
    return client;
  }

  it(`lands on the ${era} era`, async () => {
    const c = await connect();
    expect(c.getProtocolEra()).toBe(era);
    expect(c.getNegotiatedProtocolVersion()).toBe(era === 'modern' ? MODERN : '2025-11-25');
  });

  it('lists the tools of the example server', async () => {
    const c = await connect();
    const { tools } = await c.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['test_simple_text', 'test_tool_with_progress', 'test_elicitation']),
    );
    expect(tools.find((t) => t.name === 'test_simple_text')?.annotations).toEqual({ readOnlyHint: true });
  });

  it('calls a tool and gets its text back', async () => {
    const c = await connect();
    const result = await c.callTool({ name: 'test_simple_text', arguments: {} });
    expect(result.isError).not.toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
  });

  it('delivers progress notifications for a call that asks for them', async () => {
    const c = await connect();
    const progress: number[] = [];
    const result = await c.callTool(
      { name: 'test_tool_with_progress', arguments: {} },
      { onprogress: (p) => progress.push(p.progress), timeout: 10_000 },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'Progress test completed.' }]);
    // The server sends 0, 50, 100. The official client (2.4) reads stdio in chunks and dispatches
    // notifications a microtask after it settles a response in the same chunk, so the final
    // notification can be dropped on its side; the first two are 50 ms apart and must arrive.
    expect(progress.slice(0, 2)).toEqual([0, 50]);
    for (const value of progress) expect([0, 50, 100]).toContain(value);
  });

  it("answers an elicitation through the client's handler", async () => {
    const c = await connect();
    const result = await c.callTool({
      name: 'test_elicitation',
      arguments: { message: 'Who are you?' },
    });
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toMatchObject({ message: 'Who are you?' });
    expect(result.content).toEqual([
      {
        type: 'text',
        text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}',
      },
    ]);
  });

  it('reads a static resource', async () => {
    const c = await connect();
    const { contents } = await c.readResource({ uri: 'test://static-text' });
    expect(contents).toEqual([
      {
        uri: 'test://static-text',
        mimeType: 'text/plain',
        text: 'This is the content of the static text resource.',
      },
    ]);
  });

  it('gets a prompt with arguments', async () => {
    const c = await connect();
    const prompt = await c.getPrompt({
      name: 'test_prompt_with_arguments',
      arguments: { arg1: 'a', arg2: 'b' },
    });
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='a', arg2='b'" } },
    ]);
  });

  it('completes an input_required elicitation round with the client handler', async () => {
    const c = await connect();
    const result = await c.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toMatchObject({ message: 'What is your name?' });
  });
});

/** A server process driven by hand: raw lines in, raw lines out. */
interface RawServer {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  /** Writes one raw line (a newline is added). */
  write(line: string): void;
  /** Resolves with the next stdout line after the `seen`-th one, failing after `ms`. */
  line(index: number, ms?: number): Promise<string>;
  /** Resolves with the exit code, failing after `ms`. */
  exit(ms?: number): Promise<number | null>;
}

const spawned: ChildProcessWithoutNullStreams[] = [];

function startRaw(env: Record<string, string> = {}): RawServer {
  const child = spawn(process.execPath, [SERVER, '--stdio'], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  spawned.push(child);
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    write: (line) => child.stdin.write(`${line}\n`),
    line(index, ms = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines[index];
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no stdout line #${index} within ${ms} ms; got ${JSON.stringify(lines)}`));
        }, ms);
        if (!check()) waiters.add(wake);
      });
    },
    exit(ms = 5_000) {
      if (exitCode !== undefined) return Promise.resolve(exitCode);
      return Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`the server did not exit within ${ms} ms`)), ms),
        ),
      ]);
    },
  };
}

const initialize = (id: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });

describe('stdio robustness (raw process)', () => {
  afterEach(() => {
    for (const child of spawned.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('answers a line that is not JSON with a -32700 error whose id is null, and keeps serving', async () => {
    const server = startRaw();
    server.write('this is not json');
    const error = JSON.parse(await server.line(0));
    expect(error).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.any(String) },
    });

    server.write(initialize(1));
    const response = JSON.parse(await server.line(1));
    expect(response).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { protocolVersion: '2025-11-25', serverInfo: { name: 'mcpkit-everything-server' } },
    });
    expect(server.child.exitCode).toBeNull();
  });

  it('answers valid JSON that is not a JSON-RPC message with -32600, echoing a usable id', async () => {
    const server = startRaw();
    server.write('[1,2,3]');
    const noId = JSON.parse(await server.line(0));
    expect(noId).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.any(String) } });
    server.write(JSON.stringify({ jsonrpc: '1.0', id: 7, method: 'tools/list' }));
    const withId = JSON.parse(await server.line(1));
    expect(withId).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32600 } });
  });

  it('ignores blank lines and answers the request that follows', async () => {
    const server = startRaw();
    server.write('');
    server.write('   ');
    server.write(initialize(3));
    expect(JSON.parse(await server.line(0))).toMatchObject({
      id: 3,
      result: { protocolVersion: '2025-11-25' },
    });
  });

  it('serves a modern enveloped request without any prior discover or initialize', async () => {
    const server = startRaw();
    server.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'a',
        method: 'tools/call',
        params: {
          name: 'test_simple_text',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    );
    expect(JSON.parse(await server.line(0))).toMatchObject({
      jsonrpc: '2.0',
      id: 'a',
      result: {
        resultType: 'complete',
        content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
      },
    });
  });

  it('writes only JSON-RPC messages to stdout and its logs to stderr', async () => {
    const server = startRaw({ LOG_LEVEL: 'debug' });
    server.write(initialize(1));
    await server.line(0);
    server.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    // A coded tool failure is logged as a warning; an unknown tool is a protocol error.
    server.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'test_error_handling', arguments: {} },
      }),
    );
    server.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'no_such_tool', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    );
    server.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'test_tool_with_logging', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    );
    await server.line(6, 5_000); // 1 initialize + 2 + 3 + 3 log notifications + 4
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything stray would show up by now

    const messages = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const message of messages) expect(message.jsonrpc).toBe('2.0');
    expect(messages.filter((m) => m.method === 'notifications/message')).toHaveLength(3);
    expect(messages.find((m) => m.id === 2)).toMatchObject({ result: { isError: true } });
    expect(messages.find((m) => m.id === 3)).toMatchObject({ error: { code: -32602 } });
    expect(messages.find((m) => m.id === 4)).toMatchObject({
      result: { content: [{ type: 'text', text: 'Logging test completed.' }] },
    });

    const logLines = server
      .stderr()
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'debug',
          msg: 'This tool intentionally returns an error for testing',
          requestId: expect.any(String),
        }),
      ]),
    );
  });

  it('refuses a line larger than the message limit with -32600 and keeps serving', async () => {
    const server = startRaw();
    server.write(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 << 20) } }),
    );
    expect(JSON.parse(await server.line(0))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringContaining('larger than') },
    });
    server.write(initialize(2));
    expect(JSON.parse(await server.line(1))).toMatchObject({ id: 2, result: {} });
  });

  it('exits with code 0 when its input closes', async () => {
    const server = startRaw();
    server.write(initialize(1));
    await server.line(0);
    server.child.stdin.end();
    expect(await server.exit()).toBe(0);
  });

  it('answers an in-flight call before exiting when its input closes', async () => {
    const server = startRaw();
    server.write(initialize(1));
    await server.line(0);
    server.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {} },
      }),
    );
    server.child.stdin.end();
    expect(await server.exit()).toBe(0);
    const messages = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(messages.find((m) => m.id === 2)).toMatchObject({
      result: { content: [{ type: 'text', text: 'Progress test completed.' }] },
    });
  });
});
