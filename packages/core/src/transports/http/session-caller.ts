import { createHash } from 'node:crypto';
import type { AuthIdentity } from '../../engine/context.js';

/** Who asks for or uses a legacy session: the owner a session is bound to, and the key its creations count under. */
export interface SessionCaller {
  /** What a session remembers of its creator; a request from anyone else finds no such session. */
  readonly owner: string;
  /**
   * The bucket session creations are counted in: the identity, else the peer address; undefined
   * for an anonymous caller whose address is unknown (the fetch handler), as there is nothing to
   * tell such callers apart and one bucket for all of them would throttle everyone together.
   */
  readonly admissionKey: string | undefined;
}

/** Owner of sessions made without a verified identity (and without address binding), and of records that name none. */
export const ANONYMOUS_OWNER = 'anonymous';

/**
 * The caller of a session request. With a verified identity (an auth guard's `decision.auth`) the
 * owner is a digest of subject and client id, so the store never holds either. Without one, the
 * owner is the peer address when `bindAddress` is on, else anonymous: the id itself (122 random
 * bits) is then the only secret, because behind load balancers the peer address is a proxy's and
 * may change between two requests of one client.
 */
export function sessionCaller(
  auth: AuthIdentity | undefined,
  remoteAddress: string | undefined,
  bindAddress: boolean,
): SessionCaller {
  if (auth !== undefined) {
    const owner = `id:${createHash('sha256')
      .update(auth.subject)
      .update('\u0000')
      .update(auth.clientId ?? '')
      .digest('base64url')}`;
    return { owner, admissionKey: owner };
  }
  const known = remoteAddress !== undefined && remoteAddress !== '';
  return {
    owner: bindAddress && known ? `addr:${remoteAddress}` : ANONYMOUS_OWNER,
    admissionKey: known ? `addr:${addressBucket(remoteAddress)}` : undefined,
  };
}

/**
 * The address a caller is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64
 * prefix, since one host commonly holds a whole /64. Unknown addresses share one bucket.
 */
export function addressBucket(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0] as string;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
