import { randomBytes, randomFillSync } from 'node:crypto';

/** Bytes of randomness drawn at once: 512 stream ids' worth per call to the system's generator. */
const POOL_BYTES = 4096;
/** Random bytes in each id: 64 bits, so an id cannot be guessed from another one. */
const SECRET_BYTES = 8;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;
/** Unique per process, so instances sharing an event store never mint the same id. */
const prefix = randomBytes(6).toString('hex');
let counter = 0;

/**
 * A new id for a resumable stream: the process's prefix, a counter and 64 random bits, as
 * `<prefix><counter>.<secret>`. A `Last-Event-ID` names its stream and whoever holds it may resume
 * that stream, so ids must not be guessable from one another; the counter keeps them unique
 * without relying on chance. The random bits come from a pool filled 4 KiB at a time, which is
 * what makes an id cheaper than a UUID.
 */
export function newStreamId(): string {
  if (offset + SECRET_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const secret = pool.toString('hex', offset, offset + SECRET_BYTES);
  offset += SECRET_BYTES;
  return `${prefix}${(counter++).toString(36)}.${secret}`;
}
