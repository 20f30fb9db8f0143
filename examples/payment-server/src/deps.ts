import type { CursorPagination } from '@mcpkit/core';
import type { Provider } from './provider.js';
import type { ThreeDSecureOptions } from './tools/three-d-secure.js';

/** What every tool group is built from. */
export interface PaymentDeps {
  /** The provider client (resilient upstream). */
  provider: Provider;
  /** Signs and checks the list tools' cursors. */
  pagination: CursorPagination;
  /** How long reads are cached, in ms. */
  cacheTtlMs: number;
  /** How a charge waiting for 3-D Secure is followed as a task. */
  threeDSecure: Required<ThreeDSecureOptions>;
}
