import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { McpkitError } from '@mcpkit/core';

/** One recorded exchange with an upstream: the request that was sent and the response that came back. */
export interface CassetteEntry {
  request: {
    method: string;
    /** The upstream's origin, e.g. `https://api.example.com`. */
    origin: string;
    /** Path and query string, after redaction. */
    path: string;
    /** The request body as text (redacted), when there was one. */
    body?: string;
  };
  response: {
    status: number;
    /** Response headers (redacted), lower-case names. */
    headers: Record<string, string>;
    /** The response body as text (redacted). */
    body: string;
  };
}

/** What {@link recordUpstream} captured and {@link replayUpstream} serves: a list of exchanges in the order they happened. */
export interface Cassette {
  /** Format version of the file. */
  version: 1;
  entries: CassetteEntry[];
}

/** Writes a cassette as pretty JSON, creating the folder. */
export async function saveCassette(path: string, cassette: Cassette): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(cassette, null, 2)}\n`, 'utf8');
}

/** Reads a cassette written by {@link saveCassette}; a missing or malformed file is a coded error with a hint. */
export async function loadCassette(path: string): Promise<Cassette> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new McpkitError('NOT_FOUND', `No cassette at ${path}.`, {
      hint: 'Record it once against the real upstream with recordUpstream() and saveCassette(), then commit the file.',
      cause: error,
    });
  }
  const parsed = JSON.parse(text) as Partial<Cassette>;
  if (parsed.version !== 1 || !Array.isArray(parsed.entries)) {
    throw new McpkitError('VALIDATION_FAILED', `${path} is not a cassette (version 1 with entries).`, {
      hint: 'Re-record it with recordUpstream() and saveCassette().',
    });
  }
  return parsed as Cassette;
}
