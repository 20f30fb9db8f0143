import type { EdgeRequest } from '../../engine/edge.js';
import type { Engine } from '../../engine/engine.js';
import type { PeerAddress } from './peer-address.js';
import type { HttpRequestInfo } from './sink.js';

/** What guards see of one HTTP request; the peer address is looked up only when a guard reads it. */
export class EdgeView implements EdgeRequest {
  constructor(
    private readonly server: Engine,
    private readonly req: HttpRequestInfo,
    readonly rpcMethod: string | undefined,
    readonly rpcName: string | undefined,
    readonly body: string | undefined,
    private readonly peer: PeerAddress,
  ) {}

  get httpMethod(): string {
    return this.req.method;
  }
  get path(): string {
    return this.req.path;
  }
  get headers(): Readonly<Record<string, string | undefined>> {
    return this.req.headers;
  }
  newRequestId(): string {
    return this.server.newRequestId();
  }
  get remoteAddress(): string | undefined {
    // A socket's address costs a system call: only guards that key by IP pay it.
    return this.peer.remoteAddress;
  }
  get clientAddress(): string | undefined {
    return this.peer.clientAddress;
  }
}
