import { closeSync, openSync, writeSync } from 'node:fs';

/** Options of {@link logDestination}. */
export interface LogDestinationOptions {
  /** File descriptor, or path of a file to append to (created when missing). Default: 2 (standard error). */
  dest?: number | string;
  /** Characters gathered before they are written in one go. Default: 4096. */
  minLength?: number;
  /** Longest time a line waits to be written, in ms. Default: 1000. */
  flushIntervalMs?: number;
  /** Most characters held while the destination cannot take them; later lines are dropped and counted. Default: 16 MiB. */
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
  /** Lines dropped: past `maxBufferedLength`, after `end()`, or lost to a write error. */
  readonly dropped: number;
}

// One exit hook for every open destination: lines still held are written before the process ends.
const open = new Set<LogDestination>();
let exitHooked = false;
function flushAllOnExit(): void {
  for (const destination of open) destination.flushSync();
}

/**
 * A pino destination that gathers lines and writes them with one synchronous `write` per
 * `minLength` characters (and at least every `flushIntervalMs`, and at exit). Per line it costs an
 * array push: pino's own destination measures the byte length of everything it holds on every
 * line, and its default writes once per line. A destination that cannot take more (a full
 * non-blocking pipe) keeps the lines, up to `maxBufferedLength`, and tries again on the next write.
 */
export function logDestination(options: LogDestinationOptions = {}): LogDestination {
  const minLength = options.minLength ?? 4096;
  const maxBuffered = options.maxBufferedLength ?? 16 * 1024 * 1024;
  const owned = typeof options.dest === 'string';
  let fd = typeof options.dest === 'string' ? openSync(options.dest, 'a') : (options.dest ?? 2);

  let lines: string[] = [];
  let length = 0;
  // Bytes a partial or refused write left behind; they go out before anything newer.
  let leftover: Buffer | undefined;
  let dropped = 0;
  let ended = false;
  let warned = false;

  const fail = (error: unknown, lost: number): void => {
    dropped += lost;
    if (warned) return;
    warned = true;
    // The log itself is what failed, so the warning goes through the process.
    process.emitWarning(`logDestination: a write failed and ${lost} line(s) were lost: ${String(error)}`);
  };

  /** Writes `bytes` out; true unless the destination is full for now (the rest is kept in `leftover`). */
  const drain = (bytes: Buffer): boolean => {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      leftover = undefined;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        // The reader is behind: keep the rest for the next attempt.
        leftover = bytes.subarray(offset);
        return false;
      }
      leftover = undefined;
      let lost = 0;
      for (let i = bytes.indexOf(10, offset); i !== -1; i = bytes.indexOf(10, i + 1)) lost++;
      fail(error, lost);
      return true;
    }
  };

  const writeOut = (): void => {
    // While an earlier batch is stuck, new lines wait as they are (no copying per attempt).
    if (leftover !== undefined && !drain(leftover)) return;
    if (lines.length === 0) return;
    const batch = Buffer.from(lines.length === 1 ? (lines[0] as string) : lines.join(''));
    lines = [];
    length = 0;
    drain(batch);
  };

  const timer = setInterval(writeOut, options.flushIntervalMs ?? 1000);
  timer.unref();

  const destination: LogDestination = {
    write(line) {
      if (ended || length + line.length + (leftover?.length ?? 0) > maxBuffered) {
        dropped++;
        return false;
      }
      lines.push(line);
      length += line.length;
      if (length >= minLength) writeOut();
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
