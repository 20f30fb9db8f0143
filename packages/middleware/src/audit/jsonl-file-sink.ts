import { type FileHandle, open } from 'node:fs/promises';
import { auditJson, jsonlEncoders } from './audit-line.js';
import type { AuditRecord, AuditSink } from './audit-record.js';

/** Options of {@link createJsonlFileSink}. */
export interface JsonlFileSinkOptions {
  /** File to append to; created when missing. */
  path: string;
  /** File mode for a created file. Default: `0o600` (audit trails name callers). */
  mode?: number;
}

/** Size of the memory chunks encoded lines are gathered in (a longer line gets a chunk of its own). */
const CHUNK_BYTES = 256 * 1024;

/**
 * An append-only JSON Lines audit sink: one record per line. `encode` turns a record into its
 * JSON line as the call ends and copies it straight into a memory chunk, returning the line's
 * length in bytes, so the audit buffer holds numbers rather than records or strings, and no line
 * is read again from cold memory later. `write` appends the next that many gathered bytes to the
 * file: audit() hands it the encoded lengths in the order `encode` made them. The file is opened
 * once (in append mode) at the first batch and closed by `close()`; each write holds whole lines.
 */
export function createJsonlFileSink(options: JsonlFileSinkOptions): AuditSink<number> {
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    // A failed open is not kept: the next batch tries again (the directory may exist by then).
    handle ??= open(options.path, 'a', options.mode ?? 0o600).catch((error: unknown) => {
      handle = undefined;
      throw error;
    });
    return handle;
  };
  // Encoded bytes not yet handed to a write, oldest first: chunks that filled up, then `current`
  // from `start` to `used`. Bytes are only ever appended after `used`, so views taken of what is
  // before it stay valid while a write reads them.
  const filled: Buffer[] = [];
  let current: Buffer | undefined;
  let start = 0;
  let used = 0;
  // Batches are written one after another, in order.
  let queue: Promise<void> = Promise.resolve();

  const roll = (atLeast: number): Buffer => {
    if (current !== undefined && used > start) filled.push(current.subarray(start, used));
    current = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, atLeast));
    start = 0;
    used = 0;
    return current;
  };

  /** The next `total` gathered bytes, as views of the chunks that hold them. */
  const take = (total: number): Buffer[] => {
    const pieces: Buffer[] = [];
    let left = total;
    while (left > 0) {
      const head = filled[0];
      if (head !== undefined) {
        const piece = head.length <= left ? head : head.subarray(0, left);
        if (piece === head) filled.shift();
        else filled[0] = head.subarray(left);
        pieces.push(piece);
        left -= piece.length;
        continue;
      }
      const n = Math.min(left, used - start);
      if (current === undefined || n === 0) break;
      pieces.push(current.subarray(start, start + n));
      start += n;
      left -= n;
    }
    return pieces;
  };

  /** Writes every piece whole: a write to a file may take only part of what it is given. */
  const append = async (pieces: readonly Buffer[]): Promise<void> => {
    const fh = await file();
    for (const piece of pieces) {
      let offset = 0;
      while (offset < piece.length) {
        const { bytesWritten } = await fh.write(piece, offset, piece.length - offset);
        offset += bytesWritten;
      }
    }
  };

  const sink: AuditSink<number> = {
    encode(record: AuditRecord): number {
      const text = auditJson(record);
      // UTF-8 takes at most 3 bytes per UTF-16 unit, plus the newline.
      const room = text.length * 3 + 1;
      const chunk = current !== undefined && used + room <= current.length ? current : roll(room);
      const length = chunk.write(text, used) + 1;
      chunk[used + length - 1] = 10;
      used += length;
      return length;
    },
    write(lengths) {
      let total = 0;
      for (const length of lengths) total += length;
      // Taken now, in call order, so the bytes of each batch are the ones encoded for it.
      const pieces = take(total);
      const written = queue.then(() => append(pieces));
      // A failed batch is reported to its caller (its bytes are gone); the next batch still runs.
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
  jsonlEncoders.set(sink, sink.encode as (record: AuditRecord) => number);
  return sink;
}
