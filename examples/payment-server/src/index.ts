export type { CallerKey, PaymentConfig } from './config.js';
export { loadPaymentConfig, parseApiKeys, paymentConfigSchema } from './config.js';
export { amountProblem, CURRENCIES, type Currency, formatAmount } from './currencies.js';
export { PAYMENTS_READ, PAYMENTS_UNATTENDED, PAYMENTS_WRITE } from './guards.js';
export { createPaymentServer, type PaymentServer, type PaymentServerOptions } from './payment-server.js';
export {
  type RequestHold,
  type Sandbox,
  type SandboxFaults,
  type SandboxOptions,
  startSandbox,
} from './sandbox/sandbox-server.js';
export type { ThreeDSecureOptions } from './tools/three-d-secure.js';
