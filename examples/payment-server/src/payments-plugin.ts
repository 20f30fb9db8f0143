import type { Plugin } from '@mcpkit/core';
import type { PaymentDeps } from './deps.js';
import { chargeTools } from './tools/charges.js';
import { customerTools } from './tools/customers.js';
import { type RefundChargesOptions, refundChargesTool } from './tools/refund-charges.js';
import { refundTools } from './tools/refunds.js';
import { searchChargesTool } from './tools/search-charges.js';
import { transferTools } from './tools/transfers.js';

/** Every payment tool, one plugin per resource, installed with `.use(paymentTools(deps))`. */
export function paymentTools(
  deps: PaymentDeps,
  options: { refundBatch?: RefundChargesOptions } = {},
): Plugin {
  return {
    name: 'payments',
    install(server) {
      server.use(
        customerTools(deps),
        chargeTools(deps),
        searchChargesTool(deps),
        refundTools(deps),
        refundChargesTool(deps, options.refundBatch),
        transferTools(deps),
      );
    },
  };
}
