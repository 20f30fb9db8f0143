import type { ServerCapabilities } from '@modelcontextprotocol/server';
import type { Registry } from './registry.js';

/** The capabilities a registry implies, with `extra` merged over them. */
export function deriveCapabilities(
  registry: Registry,
  extra: Partial<ServerCapabilities> = {},
): ServerCapabilities {
  const capabilities: ServerCapabilities = { logging: {} };
  if (registry.tools.size > 0) capabilities.tools = { listChanged: true };
  if (registry.resources.size > 0 || registry.templates.length > 0) {
    capabilities.resources = { subscribe: true, listChanged: true };
  }
  if (registry.prompts.size > 0) capabilities.prompts = { listChanged: true };
  const completes =
    [...registry.prompts.values()].some((p) => Object.keys(p.complete).length > 0) ||
    registry.templates.some((t) => t.options.complete !== undefined);
  if (completes) capabilities.completions = {};
  return Object.freeze({ ...capabilities, ...extra });
}
