import type { ServerCapabilities } from '@modelcontextprotocol/server';
import { TASKS_EXTENSION } from '../protocol/tasks.js';
import type { Registry } from './registry.js';

/** Whether any tool of the registry may run as a task (the server then speaks the Tasks extension). */
export function servesTasks(registry: Registry): boolean {
  for (const tool of registry.tools.values()) {
    const support = tool.options.taskSupport;
    if (support === 'optional' || support === 'required') return true;
  }
  return false;
}

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
  // Advertised under `extensions` only: the 2025-11-25 `tasks` capability is not this extension.
  if (servesTasks(registry)) (capabilities as Record<string, unknown>).extensions = { [TASKS_EXTENSION]: {} };
  return Object.freeze({ ...capabilities, ...extra });
}
