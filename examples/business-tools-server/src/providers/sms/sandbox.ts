import { randomBytes } from 'node:crypto';
import { signWebhook } from '@mcpkit/middleware';
import { type SandboxServer, startSandboxServer } from '../../sandbox/sandbox-server.js';
import { E164 } from './config.js';

/** Options of {@link startSmsSandbox}. */
export interface SmsSandboxOptions {
  accountSid: string;
  authToken: string;
  /** Secret status callbacks are signed with. */
  webhookSecret: string;
  /** Delay before each status callback. Default: 20 ms. */
  callbackDelayMs?: number;
}

interface StoredMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  date_created: string;
  error_code: number | null;
}

/** A running SMS sandbox: the sandbox server plus the messages it holds and the callbacks it delivered. */
export interface SmsSandbox extends SandboxServer {
  readonly messages: StoredMessage[];
  /** Status callbacks delivered, with the HTTP status the server answered. */
  readonly callbacks: Array<{ url: string; status: string; answered: number }>;
}

const twilioError = (status: number, code: number, message: string) => ({
  status,
  body: { code, message, status },
});

/**
 * Starts a Twilio-shaped messages API on 127.0.0.1: basic auth, `Messages.json` create (form body)
 * and list (`PageSize`, `PageToken`, `To`), `Messages/{sid}.json`; sends `sent` then `delivered`
 * status callbacks signed with `webhook-signature`; an `Idempotency-Key` sends once.
 */
export async function startSmsSandbox(options: SmsSandboxOptions): Promise<SmsSandbox> {
  const messages: StoredMessage[] = [];
  const byKey = new Map<string, StoredMessage>();
  const callbacks: SmsSandbox['callbacks'] = [];
  const base = `/2010-04-01/Accounts/${options.accountSid}`;
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

  const deliver = (url: string, message: StoredMessage, status: string) => {
    message.status = status;
    const body = new URLSearchParams({
      MessageSid: message.sid,
      MessageStatus: status,
      To: message.to,
    }).toString();
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'webhook-signature': signWebhook(body, { secret: options.webhookSecret }),
      },
      body,
    })
      .then((res) => callbacks.push({ url, status, answered: res.status }))
      .catch(() => callbacks.push({ url, status, answered: 0 }));
  };

  const server = await startSandboxServer((req) => {
    if (req.headers.authorization !== expectedAuth) return twilioError(401, 20003, 'Authenticate');
    const path = req.url.pathname;
    if (path === `${base}/Messages.json` && req.method === 'POST') {
      const key = req.headers['idempotency-key'];
      const again = typeof key === 'string' ? byKey.get(key) : undefined;
      if (again) return { status: 201, body: again };
      const form = new URLSearchParams(req.body);
      const to = form.get('To') ?? '';
      if (!E164.test(to)) return twilioError(400, 21211, "Invalid 'To' Phone Number");
      const message: StoredMessage = {
        sid: `SM${randomBytes(16).toString('hex')}`,
        account_sid: options.accountSid,
        to,
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        status: 'queued',
        date_created: new Date().toUTCString(),
        error_code: null,
      };
      messages.push(message);
      if (typeof key === 'string') byKey.set(key, message);
      const callback = form.get('StatusCallback');
      if (callback) {
        const delay = options.callbackDelayMs ?? 20;
        setTimeout(() => deliver(callback, message, 'sent'), delay).unref();
        setTimeout(() => deliver(callback, message, 'delivered'), delay * 2).unref();
      }
      return { status: 201, body: message };
    }
    if (path === `${base}/Messages.json` && req.method === 'GET') {
      const size = Math.min(1_000, Math.max(1, Number(req.url.searchParams.get('PageSize') ?? 50) || 50));
      const token = req.url.searchParams.get('PageToken');
      const offset = token ? Number(token.replace(/^PA/, '')) : 0;
      if (!Number.isInteger(offset) || offset < 0) return twilioError(400, 20001, 'Invalid PageToken');
      const to = req.url.searchParams.get('To');
      const matching = [...messages].reverse().filter((m) => !to || m.to === to);
      const page = matching.slice(offset, offset + size);
      const more = offset + size < matching.length;
      const next = new URLSearchParams({ PageSize: String(size), PageToken: `PA${offset + size}` });
      if (to) next.set('To', to);
      return {
        status: 200,
        body: {
          messages: page,
          page_size: size,
          next_page_uri: more ? `${base}/Messages.json?${next}` : null,
        },
      };
    }
    const one = path.match(/^\/2010-04-01\/Accounts\/[^/]+\/Messages\/([^/]+)\.json$/);
    if (one && req.method === 'GET') {
      const found = messages.find((m) => m.sid === one[1]);
      return found
        ? { status: 200, body: found }
        : twilioError(404, 20404, 'The requested resource was not found');
    }
    return twilioError(404, 20404, 'The requested resource was not found');
  });
  return Object.assign(server, { messages, callbacks });
}
