import { type FileHandle, open } from 'node:fs/promises';
import type { AuditSink } from './audit-record.js';

/** Options of {@link jsonlFileSink}. */
export interface JsonlFileSinkOptions {
  /** File to append to; created when missing. */
  path: string;
  /** File mode for a created file. Default: `0o600` (audit trails name callers). */
  mode?: number;
}

/** Size of the buffer a batch's lines are encoded into; a batch larger than it goes out in several writes. */
const CHUNK_BYTES = 256 * 1024;

/**
 * An append-only JSON Lines audit sink: one record per line. Each record becomes its JSON text as
 * its call ends (`encode`), so the audit buffer holds short strings rather than records. A batch is
 * encoded into one reused buffer and appended with one `write` per 256 KiB, each holding whole
 * lines, on a file handle opened once (in append mode) at the first batch and closed by `close()`.
 */
export function jsonlFileSink(options: JsonlFileSinkOptions): AuditSink<string> {
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    handle ??= open(options.path, 'a', options.mode ?? 0o600);
    return handle;
  };
  let chunk: Buffer | undefined;
  // Batches are written one after another: they share `chunk`.
  let queue: Promise<void> = Promise.resolve();

  /** Writes all of `bytes`: a write to a file may take only part of it. */
  const append = async (fh: FileHandle, bytes: Buffer): Promise<void> => {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  };

  const writeBatch = async (lines: readonly string[]): Promise<void> => {
    const fh = await file();
    chunk ??= Buffer.allocUnsafeSlow(CHUNK_BYTES);
    let used = 0;
    for (const line of lines) {
      // One more byte for the newline; UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (used + line.length * 3 + 1 > chunk.length && used > 0) {
        await append(fh, chunk.subarray(0, used));
        used = 0;
      }
      if (line.length * 3 + 1 > chunk.length) {
        // Longer than the whole buffer: written on its own.
        await append(fh, Buffer.from(`${line}\n`));
        continue;
      }
      used += chunk.write(line, used);
      chunk[used++] = 10;
    }
    if (used > 0) await append(fh, chunk.subarray(0, used));
  };

  return {
    encode: (record) => JSON.stringify(record),
    write(lines) {
      if (lines.length === 0) return queue;
      const written = queue.then(() => writeBatch(lines));
      // A failed batch is reported to its caller; the next batch still runs.
      queue = written.catch(() => {});
      return written;
    },
    async close() {
      await queue;
      if (handle === undefined) return;
      const opened = handle;
      handle = undefined;
      await (await opened).close();
    },
  };
}
