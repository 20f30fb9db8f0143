import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASKS_EXTENSION } from '@mcpkit/core';

/** One line the fixture server printed. */
export interface ServerEvent {
  event: string;
  name: string;
  taskId?: string;
  [field: string]: unknown;
}

/** A fixture server running in its own Node process. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far, with the time each line arrived (performance.now()). */
  readonly events: Array<ServerEvent & { at: number }>;
  /** Resolves with the first event (already seen or still to come) that matches. */
  next(match: (event: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent & { at: number }>;
  /** Sends a JSON-RPC request of the modern era, as the extension's clients do; rejects with a JSON-RPC error. */
  request(method: string, params: Record<string, unknown>, user?: string): Promise<Record<string, unknown>>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/task-server.mjs', import.meta.url));
const started: ChildProcess[] = [];

/** Starts `fixtures/task-server.mjs` (from the built packages) and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const events: Array<ServerEvent & { at: number }> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      events.push({ ...(JSON.parse(line) as ServerEvent), at: performance.now() });
    } catch {
      return;
    }
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `The fixture server exited (${signal ?? code}) before it was asked to. ` +
            `It runs the built packages: run \`pnpm build\` first (\`pnpm test\` does). Its stderr:\n${stderr}`,
        ),
      ),
    );
  });
  exited.catch(() => {});

  const next: ServerProcess['next'] = (match, timeoutMs = 10_000) => {
    const seen = events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return Promise.race([
      exited,
      new Promise<ServerEvent & { at: number }>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching event within ${timeoutMs} ms; seen: ${JSON.stringify(events)}`));
        }, timeoutMs);
        const wake = () => {
          const found = events.find(match);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
        };
        waiters.add(wake);
      }),
    ]);
  };

  const listening = await next((event) => event.event === 'listening');
  const url = String(listening.url);
  let ids = 0;
  const request: ServerProcess['request'] = async (method, params, user = 'ada') => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        'mcp-name': String(method === 'tools/call' ? params.name : params.taskId),
        'x-user': user,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++ids,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'two-process-test', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {
              extensions: { [TASKS_EXTENSION]: {} },
              elicitation: {},
            },
          },
        },
      }),
    });
    const message = (await response.json()) as { result?: Record<string, unknown>; error?: unknown };
    if (message.error) throw message.error;
    return message.result as Record<string, unknown>;
  };
  return { url, child, events, next, request };
}

/** SIGKILLs every fixture server still running. */
export async function killServerProcesses(): Promise<void> {
  await Promise.all(
    started.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
