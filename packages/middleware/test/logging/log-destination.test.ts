import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '@mcpkit/core';
import { createLogDestination, logging } from '@mcpkit/middleware';
import { createTestClient } from '@mcpkit/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mcpkit-log-'));
let count = 0;
const freshPath = () => join(dir, `log-${++count}.jsonl`);
const read = (path: string) => readFileSync(path, 'utf8');

afterEach(() => {
  vi.useRealTimers();
});

describe('createLogDestination()', () => {
  it('holds lines until minLength is reached, then writes them together', () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path, minLength: 30 });
    destination.write('{"n":1}\n');
    destination.write('{"n":2}\n');
    expect(read(path)).toBe('');
    destination.write('{"n":3,"padding":"xxxxxx"}\n');
    expect(read(path)).toBe('{"n":1}\n{"n":2}\n{"n":3,"padding":"xxxxxx"}\n');
    destination.end();
  });

  it('writes held lines at least every flushIntervalMs', () => {
    vi.useFakeTimers();
    const path = freshPath();
    const destination = createLogDestination({ dest: path, flushIntervalMs: 1000 });
    destination.write('{"quiet":true}\n');
    vi.advanceTimersByTime(999);
    expect(read(path)).toBe('');
    vi.advanceTimersByTime(1);
    expect(read(path)).toBe('{"quiet":true}\n');
    destination.end();
  });

  it('flushes on flush(), flushSync() and end(), and drops lines written after end()', () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path });
    destination.write('a\n');
    let called = false;
    destination.flush(() => {
      called = true;
    });
    expect(called).toBe(true);
    expect(read(path)).toBe('a\n');
    destination.write('b\n');
    destination.flushSync();
    destination.write('c\n');
    destination.end();
    expect(read(path)).toBe('a\nb\nc\n');
    expect(destination.write('d\n')).toBe(false);
    expect(destination.dropped).toBe(1);
  });

  it('drops and counts lines past maxBufferedLength instead of growing without bound', () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path, maxBufferedLength: 10 });
    expect(destination.write('12345\n')).toBe(true);
    expect(destination.write('1234567\n')).toBe(false);
    expect(destination.dropped).toBe(1);
    destination.end();
    expect(read(path)).toBe('12345\n');
  });

  it('keeps multi-byte lines and lines longer than its buffer whole and in order', () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path });
    const sent: string[] = [];
    // Enough accented and astral characters to cross the 64 KiB buffer several times mid-stream.
    for (let i = 0; i < 3_000; i++)
      sent.push(`${JSON.stringify({ i, text: 'crème brûlée 🍮'.repeat(3) })}\n`);
    sent.push(`${JSON.stringify({ big: 'ü'.repeat(100_000) })}\n`);
    sent.push('{"after":"big"}\n');
    for (const line of sent) expect(destination.write(line)).toBe(true);
    destination.end();
    expect(read(path)).toBe(sent.join(''));
    expect(destination.dropped).toBe(0);
  });

  it('measures maxBufferedLength in UTF-8 bytes', () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path, maxBufferedLength: 8 });
    expect(destination.write('ééé\n')).toBe(true); // 7 bytes
    expect(destination.write('é\n')).toBe(false); // 3 more would make 10
    destination.end();
    expect(read(path)).toBe('ééé\n');
  });

  it('counts the lines a failing write lost, warns once and keeps taking lines', async () => {
    const fd = openSync(freshPath(), 'a');
    closeSync(fd);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const destination = createLogDestination({ dest: fd, minLength: 1 });
      expect(destination.write('one\n')).toBe(true);
      expect(destination.write('two\n')).toBe(true);
      expect(destination.dropped).toBe(2);
      destination.end();
      // process.emitWarning delivers on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings.filter((w) => w.includes('createLogDestination'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('keeps lines a full non-blocking pipe refuses and writes them, in order, once it drains', () => {
    const fifo = join(dir, `fifo-${++count}`);
    execFileSync('mkfifo', [fifo]);
    // Read-write and non-blocking: writes fail with EAGAIN once the pipe's buffer is full.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const destination = createLogDestination({ dest: fd, minLength: 1 });
    const sent = Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ i, pad: 'x'.repeat(1000) })}\n`);
    for (const line of sent) expect(destination.write(line)).toBe(true);
    let received = '';
    const chunk = Buffer.alloc(65_536);
    for (let attempt = 0; attempt < 1_000 && received.length < sent.join('').length; attempt++) {
      try {
        const n = readSync(reader, chunk);
        received += chunk.toString('utf8', 0, n);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      destination.flushSync();
    }
    expect(destination.dropped).toBe(0);
    expect(received).toBe(sent.join(''));
    destination.end();
    closeSync(reader);
    closeSync(fd);
  });

  it('counts the lines a full pipe still refuses at end() as dropped', () => {
    const fifo = join(dir, `fifo-${++count}`);
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const destination = createLogDestination({ dest: fd, minLength: 1 });
    const line = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    // Nobody reads: the pipe's buffer (64 KiB on Linux) takes about 65 lines, the rest are held.
    for (let i = 0; i < 200; i++) expect(destination.write(line)).toBe(true);
    destination.end();
    const written = Math.floor(65_536 / line.length);
    expect(destination.dropped).toBeGreaterThanOrEqual(200 - written - 1);
    expect(destination.dropped).toBeLessThanOrEqual(200 - written + 1);
    closeSync(fd);
  });

  it('writes what it still holds when the process exits', () => {
    const path = freshPath();
    const entry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `
      const { createLogDestination } = await import(${JSON.stringify(entry)});
      const destination = createLogDestination({ dest: ${JSON.stringify(path)} });
      destination.write('{"last":"words"}\\n');
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(read(path)).toBe('{"last":"words"}\n');
  });

  it('serves as the destination of the per-request log line', async () => {
    const path = freshPath();
    const destination = createLogDestination({ dest: path });
    const server = createServer({ name: 'logs', version: '1.0.0' })
      .use(logging({ logger: pino({ level: 'info' }, destination) }))
      .tool('hello', { description: 'Greets', handler: () => 'hi' });
    const client = await createTestClient(server);
    await client.callTool('hello', {});
    await client.close();
    destination.end();
    const lines = read(path)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'tools/call',
      tool: 'hello',
      outcome: 'ok',
      msg: 'request completed',
    });
  });
});
