import { type FileHandle, open } from 'node:fs/promises';
import type { AuditRecord, AuditSink } from './audit-record.js';

/** Options of {@link jsonlFileSink}. */
export interface JsonlFileSinkOptions {
  /** File to append to; created when missing. */
  path: string;
  /** File mode for a created file. Default: `0o600` (audit trails name callers). */
  mode?: number;
}

/**
 * An append-only JSON Lines audit sink: one record per line, one `write` per batch, on a file
 * handle opened once (in append mode) at the first batch and closed by `close()`.
 */
export function jsonlFileSink(options: JsonlFileSinkOptions): AuditSink {
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    handle ??= open(options.path, 'a', options.mode ?? 0o600);
    return handle;
  };
  return {
    async write(batch: readonly AuditRecord[]) {
      if (batch.length === 0) return;
      let text = '';
      for (const record of batch) text += `${JSON.stringify(record)}\n`;
      // appendFile loops until the whole batch is written, so a batch never lands half on disk.
      await (await file()).appendFile(text);
    },
    async close() {
      if (handle === undefined) return;
      const opened = handle;
      handle = undefined;
      await (await opened).close();
    },
  };
}
