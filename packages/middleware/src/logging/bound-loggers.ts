import type { Era } from '@mcpkit/core';
import type { Logger as PinoLogger } from 'pino';

/** Most combinations kept; past it, lines are logged through the parent with every field on the line. */
const MAX_BOUND = 1000;

type PerEra = { legacy?: PinoLogger; modern?: PinoLogger };

/** The line field that names what a request targets, for the methods that name a tool or prompt. */
export type NameField = 'tool' | 'prompt';

/**
 * Child loggers of one parent, one per (method, tool or prompt name, era). pino serializes a
 * child's bindings once, when the child is made, instead of on every line: binding the fields that
 * repeat from request to request takes that work off each line. Names are those of registered
 * tools and prompts (core refuses unknown ones before middleware runs); the bound on children is a
 * backstop all the same. Each child follows the parent's level, so changing the parent's level at
 * run time still applies to every line.
 */
export class BoundLoggers {
  readonly #parent: PinoLogger;
  readonly #byMethod = new Map<string, Map<string, PerEra>>();
  #size = 0;

  constructor(parent: PinoLogger) {
    this.#parent = parent;
  }

  /**
   * The child for this combination, made on first use; undefined once the bound is reached.
   * `field` names the binding `name` goes under (a method always uses the same one).
   */
  get(method: string, era: Era, field?: NameField, name?: string): PinoLogger | undefined {
    const child = this.#byMethod.get(method)?.get(name ?? '')?.[era] ?? this.#make(method, era, field, name);
    if (child !== undefined && child.levelVal !== this.#parent.levelVal) child.level = this.#parent.level;
    return child;
  }

  #make(method: string, era: Era, field?: NameField, name?: string): PinoLogger | undefined {
    if (this.#size >= MAX_BOUND) return undefined;
    let byName = this.#byMethod.get(method);
    if (byName === undefined) {
      byName = new Map();
      this.#byMethod.set(method, byName);
    }
    let perEra = byName.get(name ?? '');
    if (perEra === undefined) {
      perEra = {};
      byName.set(name ?? '', perEra);
    }
    const bindings: Record<string, string> = { method };
    if (field !== undefined && name !== undefined) bindings[field] = name;
    bindings.era = era;
    const child = this.#parent.child(bindings);
    perEra[era] = child;
    this.#size++;
    return child;
  }
}
