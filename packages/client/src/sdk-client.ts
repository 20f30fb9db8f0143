import { McpkitError, TASKS_EXTENSION } from '@mcpkit/core';
import { Client, type ClientCapabilities, type ToolAnnotations } from '@modelcontextprotocol/client';
import type { ClientOptions, ServerLog } from './client-options.js';
import type { InputAnswerer } from './task-channel.js';

/** The capabilities the client declares: what its options imply, the Tasks extension included. */
export function capabilitiesOf(options: ClientOptions): ClientCapabilities {
  const capabilities: ClientCapabilities = { ...options.capabilities };
  if (options.elicitation && !capabilities.elicitation) capabilities.elicitation = { form: {} };
  if (options.sampling && !capabilities.sampling) capabilities.sampling = {};
  if (options.roots && !capabilities.roots) capabilities.roots = {};
  if (options.tasks !== false) {
    (capabilities as Record<string, unknown>).extensions = {
      ...(capabilities as { extensions?: object }).extensions,
      [TASKS_EXTENSION]: {},
    };
  }
  return capabilities;
}

/** The official SDK client, with the handlers of the options. */
export function buildSdkClient(options: ClientOptions): Client {
  const era = options.era ?? 'auto';
  const client = new Client(
    { name: options.name ?? 'mcpkit-client', version: options.version ?? '1.0.0' },
    {
      capabilities: capabilitiesOf(options),
      versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : era },
    },
  );
  // The same handlers answer legacy server→client requests and modern input_required rounds:
  // the official client routes both through them.
  const { elicitation, sampling, roots, onLog } = options;
  if (elicitation)
    client.setRequestHandler('elicitation/create', (request, ctx) =>
      elicitation(request.params, { signal: ctx.mcpReq.signal }),
    );
  if (sampling)
    client.setRequestHandler('sampling/createMessage', (request, ctx) =>
      sampling(request.params, { signal: ctx.mcpReq.signal }),
    );
  if (roots) {
    client.setRequestHandler('roots/list', async () => ({
      roots: typeof roots === 'function' ? await roots() : roots,
    }));
  }
  if (onLog) client.setNotificationHandler('notifications/message', (n) => onLog(n.params as ServerLog));
  return client;
}

/** Answers a task's input requests with the same handlers that answer the server's requests. */
export function answererOf(options: ClientOptions): InputAnswerer {
  const { elicitation, sampling, roots } = options;
  return async (method, params, signal) => {
    if (method === 'elicitation/create' && elicitation) return elicitation(params as never, { signal });
    if (method === 'sampling/createMessage' && sampling) return sampling(params as never, { signal });
    if (method === 'roots/list' && roots)
      return { roots: typeof roots === 'function' ? await roots() : roots };
    throw new McpkitError(
      'VALIDATION_FAILED',
      `The task asks for ${method}, which this client has no handler for.`,
      {
        hint: 'Pass the matching handler (`elicitation`, `sampling` or `roots`) to createClient.',
      },
    );
  };
}

/** Whether a tool's annotations say that repeating a call is safe. */
export function isIdempotent(annotations: ToolAnnotations | undefined): boolean {
  return annotations?.idempotentHint === true || annotations?.readOnlyHint === true;
}
