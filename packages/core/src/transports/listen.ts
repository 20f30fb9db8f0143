import type { ChangeEvent, Engine } from '../engine/engine.js';
import type { CallEnv } from '../engine/exchange.js';
import type { Inflight } from '../engine/inflight.js';
import type { RpcRequest } from '../protocol/jsonrpc.js';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import { declaresTasks, TASKS_EXTENSION } from '../protocol/tasks.js';
import { META } from '../protocol/versions.js';

/** Most task ids one stream follows; the acknowledgement lists the ones it took. */
const MAX_TASK_IDS = 1_000;

/** The notification kinds a `subscriptions/listen` stream may ask for. */
interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
  /** The Tasks extension's status notifications (`notifications/tasks`) for these tasks. */
  taskIds?: string[];
}

function honoredFilter(requested: ListenFilter, server: Engine, env: CallEnv): ListenFilter {
  const caps = server.capabilities;
  const honored: ListenFilter = {};
  if (requested.toolsListChanged && caps.tools?.listChanged) honored.toolsListChanged = true;
  if (requested.promptsListChanged && caps.prompts?.listChanged) honored.promptsListChanged = true;
  if (requested.resourcesListChanged && caps.resources?.listChanged) honored.resourcesListChanged = true;
  if (Array.isArray(requested.resourceSubscriptions) && caps.resources?.subscribe) {
    honored.resourceSubscriptions = requested.resourceSubscriptions.filter((uri) => typeof uri === 'string');
  }
  const servesTasks = (caps as { extensions?: Record<string, unknown> }).extensions?.[TASKS_EXTENSION];
  if (Array.isArray(requested.taskIds) && servesTasks && declaresTasks(env.client.capabilities)) {
    const ids = new Set(requested.taskIds.filter((id): id is string => typeof id === 'string' && id !== ''));
    honored.taskIds = [...ids].slice(0, MAX_TASK_IDS);
  }
  return honored;
}

function notificationFor(
  event: ChangeEvent,
  filter: ListenFilter,
): { method: string; params: Record<string, unknown> } | undefined {
  switch (event.kind) {
    case 'tools':
      return filter.toolsListChanged ? { method: 'notifications/tools/list_changed', params: {} } : undefined;
    case 'prompts':
      return filter.promptsListChanged
        ? { method: 'notifications/prompts/list_changed', params: {} }
        : undefined;
    case 'resources':
      return filter.resourcesListChanged
        ? { method: 'notifications/resources/list_changed', params: {} }
        : undefined;
    case 'resource':
      return filter.resourceSubscriptions?.includes(event.uri)
        ? { method: 'notifications/resources/updated', params: { uri: event.uri } }
        : undefined;
  }
}

/**
 * Serves a modern-era `subscriptions/listen` request: the acknowledgement first, then every
 * change the honored filter admits, each tagged with the subscription id (the request's id).
 * Resolves when the client goes away or the server shuts down (then the closing result is sent).
 */
export async function serveListen(
  server: Engine,
  request: RpcRequest,
  env: CallEnv,
  write: (message: object) => void,
  tracker: Inflight,
): Promise<void> {
  const requested = request.params?.notifications;
  if (typeof requested !== 'object' || requested === null || Array.isArray(requested)) {
    throw new ProtocolError(
      RpcCode.INVALID_PARAMS,
      'Invalid params: subscriptions/listen needs a "notifications" filter object.',
      undefined,
      400,
    );
  }
  const subscriptionId = request.id;
  const stamp = (params: Record<string, unknown>) => ({
    ...params,
    _meta: { ...(params._meta as object | undefined), [META.subscriptionId]: subscriptionId },
  });
  const honored = honoredFilter(requested as ListenFilter, server, env);
  write({
    jsonrpc: '2.0',
    method: 'notifications/subscriptions/acknowledged',
    params: stamp({ notifications: honored }),
  });
  const finish = () =>
    write({
      jsonrpc: '2.0',
      id: subscriptionId,
      result: {
        resultType: 'complete',
        _meta: { [META.subscriptionId]: subscriptionId, [META.serverInfo]: server.info },
      },
    });
  if (Object.keys(honored).length === 0) {
    finish();
    return;
  }
  const unsubscribe = server.onChange((event) => {
    const note = notificationFor(event, honored);
    if (note) write({ jsonrpc: '2.0', method: note.method, params: stamp(note.params) });
  });
  // Tasks of another owner stay silent here, as `tasks/get` shows them as unknown.
  const unwatchTasks =
    honored.taskIds === undefined
      ? () => {}
      : server.watchTasks(new Set(honored.taskIds), env.auth, (task) =>
          write({ jsonrpc: '2.0', method: 'notifications/tasks', params: stamp(task) }),
        );
  let stopShutdownWatch = () => {};
  await new Promise<void>((resolve) => {
    const signal = env.cancellation.signal;
    if (signal.aborted || tracker.closing) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    stopShutdownWatch = tracker.onClose(resolve);
  });
  stopShutdownWatch();
  unsubscribe();
  unwatchTasks();
  // A shutdown ends the stream gracefully; a client that left needs no goodbye.
  if (tracker.closing) finish();
}
