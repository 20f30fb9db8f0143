import type { InputRequestSpec } from './context.js';

/**
 * Thrown inside a modern-era handler when it needs input the client has not given yet. It is a
 * control signal, not a failure: middleware must let it pass (check with {@link isInputRequired}).
 */
export class InputRequiredSignal {
  readonly name = 'InputRequiredSignal';
  constructor(
    readonly requests: Record<string, InputRequestSpec>,
    readonly answers: Record<string, unknown>,
  ) {}
}

/** True for the control signal a modern-era handler raises to ask the client for input. */
export function isInputRequired(value: unknown): value is InputRequiredSignal {
  return value instanceof InputRequiredSignal;
}
