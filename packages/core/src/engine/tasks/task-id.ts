import { randomFillSync } from 'node:crypto';

/** Random bytes per task id: 144 bits, base64url (24 characters). */
const ID_BYTES = 18;
/** Drawn from the system's generator 256 ids at a time: one call per id is most of a create's cost. */
const POOL_BYTES = ID_BYTES * 256;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** A new unguessable task id (144 random bits, base64url). */
export function newTaskId(): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
