import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type MemoryDatabase, openDatabase } from '../../src/storage/open-database.js';

/** The real PostgreSQL the tests use; never mocked. A missing server fails the run (see require-services). */
export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database on the real server, dropped by `drop()`. */
export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `memtest_<random>` on the real server, so test files never see each other's rows. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `memtest_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** One backend of the matrix: how to open it and how to clean up. */
export interface Backend {
  readonly name: 'postgres' | 'pglite';
  open(options?: { poolMax?: number; vector?: 'auto' | 'off' }): Promise<MemoryDatabase>;
  cleanup(): Promise<void>;
}

/** Real PostgreSQL (a scratch database) and embedded PGlite, for `describe.each`. */
export const backends: ReadonlyArray<{ name: 'postgres' | 'pglite'; create: () => Promise<Backend> }> = [
  {
    name: 'postgres',
    create: async () => {
      const scratch = await createScratchDatabase();
      const opened: MemoryDatabase[] = [];
      return {
        name: 'postgres',
        async open(options = {}) {
          const database = await openDatabase({
            url: scratch.url,
            poolMax: options.poolMax ?? 5,
            ...(options.vector ? { vector: options.vector } : {}),
          });
          opened.push(database);
          return database;
        },
        async cleanup() {
          for (const database of opened) await database.close();
          await scratch.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    create: async () => {
      const opened: MemoryDatabase[] = [];
      return {
        name: 'pglite',
        async open(options = {}) {
          const database = await openDatabase(options.vector ? { vector: options.vector } : {});
          opened.push(database);
          return database;
        },
        async cleanup() {
          for (const database of opened) await database.close();
        },
      };
    },
  },
];
