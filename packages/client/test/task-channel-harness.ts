import type { Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { type InputAnswerer, TaskChannel } from '../src/task-channel.js';
import type { TaskSnapshot } from '../src/task-wire.js';

type Message = Record<string, unknown> & {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
};

/** What the scripted server does with one message the channel sent: answer it, fail the send, or stay silent. */
export type Script = (message: Message) => { result: object } | { error: object } | Error | undefined;

/**
 * A TaskChannel on a fake transport: `sent` records what left (with the send options), `delivered`
 * what reached the SDK side, `script` plays the server.
 */
export function harness(options: { modern?: boolean; answer?: InputAnswerer; script?: Script } = {}) {
  const sent: Array<{ message: Message; options: TransportSendOptions | undefined }> = [];
  const delivered: Message[] = [];
  let script: Script = options.script ?? (() => undefined);
  const transport = {
    onmessage: (message: Message) => delivered.push(message),
    onclose: () => undefined,
    async send(message: Message, sendOptions?: TransportSendOptions) {
      sent.push({ message, options: sendOptions });
      const answer = script(message);
      if (answer instanceof Error) throw answer;
      if (answer && message.id !== undefined)
        queueMicrotask(() => transport.onmessage({ jsonrpc: '2.0', id: message.id, ...answer }));
    },
    async start() {},
    async close() {},
  };
  const channel = new TaskChannel(transport as unknown as Transport, {
    modern: options.modern ?? true,
    envelope: () => ({}),
    answer: options.answer ?? (async () => ({ action: 'decline' })),
  });
  return {
    channel,
    sent,
    delivered,
    /** What the SDK would send: a message through the (wrapped) transport. */
    sdkSend: (message: Message, sendOptions?: TransportSendOptions) =>
      (transport as unknown as Transport).send(message as never, sendOptions),
    /** The server answering a message (as the transport would hand it in). */
    receive: (message: Message) => (transport as unknown as Transport).onmessage?.(message as never),
    close: () => (transport as unknown as Transport).onclose?.(),
    setScript: (next: Script) => {
      script = next;
    },
    methods: () => sent.map((entry) => entry.message.method),
  };
}

/** A task snapshot as the server would show it. */
export function taskOf(status: string, extra: Record<string, unknown> = {}) {
  return {
    taskId: 't1',
    status,
    createdAt: '2026-01-01T00:00:00Z',
    lastUpdatedAt: '2026-01-01T00:00:00Z',
    ttlMs: 60_000,
    pollIntervalMs: 100,
    ...extra,
  } as unknown as TaskSnapshot;
}

/** Lets pending promise callbacks run (no timers move). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}
