import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxReply, SandboxStore } from './sandbox-store.js';

const PAGE_PATH = /^\/3ds\/(chrg_[A-Za-z0-9_]{1,64})$/;
const MAX_FORM = 1024;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(chargeId: string, message: string): string {
  const id = escapeHtml(chargeId);
  return `<!doctype html><meta charset="utf-8"><title>3-D Secure</title>
<h1>Sandbox bank: confirm this payment</h1><p>${escapeHtml(message)}</p>
<form method="post" action="/3ds/${id}"><button name="result" value="authorized">Authorize</button>
<button name="result" value="failed">Fail</button></form>`;
}

/**
 * The sandbox's 3-D Secure page, where a charge's `authorize_uri` sends the customer: `GET` shows
 * it, `POST` with `result=authorized` or `result=failed` (the page's buttons, form-encoded) is the
 * customer finishing it. No secret key: a customer's browser has none. Resolves to false when the
 * request is not for the page.
 */
export async function serveThreeDSecurePage(
  req: IncomingMessage,
  res: ServerResponse,
  store: SandboxStore,
  deliver: (reply: SandboxReply) => void,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const match = PAGE_PATH.exec(url.pathname);
  if (!match) return false;
  const chargeId = match[1] as string;
  const send = (status: number, message: string) => {
    const body = page(chargeId, message);
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  if (req.method === 'GET') {
    if (!store.charges.has(chargeId)) send(404, 'No such charge.');
    else if (!store.awaitsThreeDSecure(chargeId)) send(200, 'This payment needs nothing more from you.');
    else send(200, 'Authorize the payment, or fail it.');
    return true;
  }
  let form = '';
  for await (const chunk of req) {
    form += String(chunk);
    if (form.length > MAX_FORM) {
      send(413, 'Form too large.');
      return true;
    }
  }
  const result = new URLSearchParams(form).get('result');
  if (req.method !== 'POST' || (result !== 'authorized' && result !== 'failed')) {
    send(400, 'Choose authorized or failed.');
    return true;
  }
  const reply = store.completeThreeDSecure(chargeId, result);
  deliver(reply);
  send(reply.status, reply.status === 200 ? `Payment ${result}.` : 'This payment cannot change now.');
  return true;
}
