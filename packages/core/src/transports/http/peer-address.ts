import { clientAddressOf, type TrustProxy } from './client-address.js';
import type { HttpRequestInfo } from './sink.js';

/**
 * The addresses of one HTTP request, read lazily (a socket's address costs a system call) until
 * {@link PeerAddress.pin} reads them once and lets go of the request, so a call that outlives its
 * connection does not keep the socket alive through its context.
 */
export class PeerAddress {
  #req: HttpRequestInfo | undefined;
  #remote: string | undefined;
  #client: string | undefined;
  #read = false;

  constructor(
    req: HttpRequestInfo,
    private readonly trust: TrustProxy | undefined,
  ) {
    this.#req = req;
  }

  /** The connection's peer (a proxy, behind one). */
  get remoteAddress(): string | undefined {
    this.#resolve();
    return this.#remote;
  }

  /** The client's address under the trust rule (the peer when no proxy is trusted). */
  get clientAddress(): string | undefined {
    this.#resolve();
    return this.#client;
  }

  /** Reads the addresses now and drops the request. */
  pin(): void {
    this.#resolve();
  }

  #resolve(): void {
    if (this.#read) return;
    this.#read = true;
    const req = this.#req as HttpRequestInfo;
    this.#req = undefined;
    this.#remote = req.remoteAddress;
    this.#client = clientAddressOf(this.#remote, req.headers['x-forwarded-for'], this.trust);
  }
}
