import { closeSync, openSync, writeSync } from 'node:fs';

/** Options of {@link createLogDestination}. */
export interface LogDestinationOptions {
  /** File descriptor, or path of a file to append to (created when missing). Default: 2 (standard error). */
  dest?: number | string;
  /** Bytes gathered before they are written in one go. Default: 4096. */
  minLength?: number;
  /** Longest time a line waits to be written, in ms. Default: 1000. */
  flushIntervalMs?: number;
  /** Most bytes held, counting what the destination cannot take yet; later lines are dropped and counted. Default: 16 MiB. */
  maxBufferedLength?: number;
}

/** A pino destination stream that writes lines in batches. */
export interface LogDestination {
  /** Takes one line (pino calls it); returns false when the line was dropped. */
  write(line: string): boolean;
  /** Writes everything held now; `callback` runs afterwards (pino's `logger.flush(cb)` calls it). */
  flush(callback?: (error?: Error) => void): void;
  /** Writes everything held now (also run when the process exits). */
  flushSync(): void;
  /** Flushes, stops the timer and closes the file when the destination opened it. */
  end(): void;
  /** Lines dropped: past `maxBufferedLength`, after `end()`, lost to a write error, or still refused by the destination at `end()`. */
  readonly dropped: number;
}

// One exit hook for every open destination: lines still held are written before the process ends.
const open = new Set<LogDestination>();
let exitHooked = false;
function flushAllOnExit(): void {
  for (const destination of open) destination.flushSync();
}

/** Size of the reused buffer lines are encoded into (grown to `minLength` when that is larger). */
const CHUNK_BYTES = 64 * 1024;

/** Whether `line` takes at most `room` bytes in UTF-8 (at most 3 bytes per UTF-16 unit: the exact count is rarely needed). */
function fits(line: string, room: number): boolean {
  return line.length * 3 <= room || Buffer.byteLength(line) <= room;
}

/** Lines (newlines) in `bytes` from `offset` on. */
function linesIn(bytes: Buffer, offset: number): number {
  let lines = 0;
  for (let i = bytes.indexOf(10, offset); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}

/**
 * A pino destination that gathers lines as text and writes them with one synchronous `write` per
 * `minLength` characters (and at least every `flushIntervalMs`, and at exit), encoded together
 * into one reused buffer: a line costs a string append, and a batch one UTF-8 encode into memory
 * that is already there (pino's lines are built by concatenation, so encoding them one by one
 * flattens each on its own). pino's own destination measures the byte length of everything it holds on every
 * line, and by default writes once per line. A destination that cannot take more (a full
 * non-blocking pipe) gets the refused bytes again, in order, on the next write, up to
 * `maxBufferedLength` held in all.
 */
export function createLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const minLength = options.minLength ?? 4096;
  const maxBuffered = options.maxBufferedLength ?? 16 * 1024 * 1024;
  const owned = typeof options.dest === 'string';
  let fd = typeof options.dest === 'string' ? openSync(options.dest, 'a') : (options.dest ?? 2);

  const chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, minLength));
  // Bytes of whole lines in `chunk`, not yet written.
  let used = 0;
  // Lines taken since, as text: they are encoded into the chunk together, one UTF-8 encode for many
  // lines, when `minLength` characters are pending and whenever the destination writes.
  let pending = '';
  // Copies of bytes the destination refused (EAGAIN), oldest first; they go out before anything newer.
  const stuck: Buffer[] = [];
  let stuckBytes = 0;
  let dropped = 0;
  let ended = false;
  let warned = false;

  const fail = (error: unknown, lost: number): void => {
    dropped += lost;
    if (warned) return;
    warned = true;
    // The log itself is what failed, so the warning goes through the process.
    process.emitWarning(
      `createLogDestination: a write failed and ${lost} line(s) were lost: ${String(error)}`,
    );
  };

  /** Writes `bytes`; returns how many the destination took. Bytes lost to a write error count as taken (and their lines as dropped). */
  const send = (bytes: Buffer): number => {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      // The reader is behind: the caller keeps the rest for the next attempt.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return offset;
      fail(error, linesIn(bytes, offset));
      return bytes.length;
    }
    return offset;
  };

  /** Queues `bytes` behind what the destination already refused (`bytes` must not be `chunk`: it is reused). */
  const park = (bytes: Buffer): void => {
    stuck.push(bytes);
    stuckBytes += bytes.length;
  };

  /** Exactly whether the pending text and `line` take at most `room` bytes. */
  const fitsHeld = (line: string, room: number): boolean =>
    Buffer.byteLength(pending) + Buffer.byteLength(line) <= room;

  /** Copies the pending text into the chunk, writing the chunk out first when it would not fit. */
  const settle = (): void => {
    if (pending.length === 0) return;
    if (!fits(pending, chunk.length - used)) {
      sendChunk();
      if (!fits(pending, chunk.length)) {
        // Longer than the whole chunk: it goes out on its own, behind anything still refused.
        const bytes = Buffer.from(pending);
        pending = '';
        const sent = stuck.length > 0 ? 0 : send(bytes);
        if (sent < bytes.length) park(bytes.subarray(sent));
        return;
      }
    }
    used += chunk.write(pending, used);
    pending = '';
  };

  /** Writes what is refused from before, then the chunk. Afterwards the chunk is empty either way. */
  function sendChunk(): void {
    while (stuck.length > 0) {
      const head = stuck[0] as Buffer;
      const sent = send(head);
      stuckBytes -= sent;
      if (sent < head.length) {
        stuck[0] = head.subarray(sent);
        break;
      }
      stuck.shift();
    }
    if (used === 0) return;
    const bytes = chunk.subarray(0, used);
    const sent = stuck.length > 0 ? 0 : send(bytes);
    if (sent < used) park(Buffer.from(bytes.subarray(sent)));
    used = 0;
  }

  /** Writes what is refused from before, then every line taken. Afterwards nothing is pending either way. */
  const writeOut = (): void => {
    settle();
    sendChunk();
  };

  const timer = setInterval(writeOut, options.flushIntervalMs ?? 1000);
  timer.unref();

  const destination: LogDestination = {
    write(line) {
      if (ended) {
        dropped++;
        return false;
      }
      // Held: the pending text (at most 3 UTF-8 bytes per unit), the chunk's bytes, what was refused.
      const held = used + stuckBytes;
      if ((pending.length + line.length) * 3 > maxBuffered - held && !fitsHeld(line, maxBuffered - held)) {
        dropped++;
        return false;
      }
      pending += line;
      if (pending.length >= minLength) writeOut();
      return true;
    },
    flush(callback) {
      writeOut();
      callback?.();
    },
    flushSync() {
      writeOut();
    },
    end() {
      if (ended) return;
      writeOut();
      // What the destination still refuses now will never be written.
      for (const bytes of stuck) dropped += linesIn(bytes, 0);
      stuck.length = 0;
      stuckBytes = 0;
      ended = true;
      clearInterval(timer);
      open.delete(destination);
      if (owned) {
        closeSync(fd);
        fd = -1;
      }
    },
    get dropped() {
      return dropped;
    },
  };
  open.add(destination);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushAllOnExit);
  }
  return destination;
}
