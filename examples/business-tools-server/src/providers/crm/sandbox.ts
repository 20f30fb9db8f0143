import { randomBytes } from 'node:crypto';
import { type SandboxServer, startSandboxServer } from '../../sandbox/sandbox-server.js';

/** Options of {@link startCrmSandbox}. */
export interface CrmSandboxOptions {
  clientId: string;
  clientSecret: string;
  /** The provider's own limit: requests beyond it in one wall-clock second get 429 with `Retry-After: 1`. Default: 10. */
  limitPerSecond?: number;
}

interface StoredObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A running CRM sandbox: the sandbox server, its objects, tokens issued and 429s sent. */
export interface CrmSandbox extends SandboxServer {
  readonly objects: { contacts: Map<string, StoredObject>; deals: Map<string, StoredObject> };
  readonly tokensIssued: number;
  readonly rateLimited: number;
  /** Answers the next `n` API requests with 429 and this `Retry-After` (seconds). */
  throttleNext(n: number, retryAfterSeconds: number): void;
}

const hubspotError = (status: number, category: string, message: string) => ({
  status,
  body: { status: 'error', category, message, correlationId: randomBytes(8).toString('hex') },
});

/**
 * Starts a HubSpot-shaped CRM on 127.0.0.1: `POST /oauth/v1/token` (client credentials), CRM v3
 * objects (contacts, deals: get, create, patch, search) and v4 default associations, bearer
 * auth, a per-second limit answered with 429 + `Retry-After`, and fault switches on API paths.
 */
export async function startCrmSandbox(options: CrmSandboxOptions): Promise<CrmSandbox> {
  const limit = options.limitPerSecond ?? 10;
  const objects = { contacts: new Map<string, StoredObject>(), deals: new Map<string, StoredObject>() };
  const associations = new Map<string, Set<string>>();
  const tokens = new Set<string>();
  const state = { tokensIssued: 0, rateLimited: 0, throttle: 0, retryAfter: 1, nextId: 1000 };
  const apiSecond = new Map<number, number>();

  const server = await startSandboxServer(
    (req) => {
      const path = req.url.pathname;
      if (path === '/oauth/v1/token' && req.method === 'POST') {
        const form = new URLSearchParams(req.body);
        if (form.get('grant_type') !== 'client_credentials')
          return hubspotError(400, 'BAD_GRANT_TYPE', 'unsupported grant');
        if (
          form.get('client_id') !== options.clientId ||
          form.get('client_secret') !== options.clientSecret
        ) {
          return hubspotError(400, 'BAD_CLIENT_ID', 'invalid client credentials');
        }
        const token = `pat-${randomBytes(16).toString('hex')}`;
        tokens.add(token);
        state.tokensIssued++;
        return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: 1_800 } };
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (!token || !tokens.has(token))
        return hubspotError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
      const second = Math.floor(Date.now() / 1000);
      const used = (apiSecond.get(second) ?? 0) + 1;
      apiSecond.set(second, used);
      if (apiSecond.size > 60) apiSecond.delete(apiSecond.keys().next().value as number);
      if (state.throttle > 0 || used > limit) {
        if (state.throttle > 0) state.throttle--;
        state.rateLimited++;
        return {
          ...hubspotError(429, 'RATE_LIMITS', 'You have reached your secondly limit.'),
          headers: { 'retry-after': String(state.retryAfter) },
        };
      }
      const now = new Date().toISOString();
      const v3 = path.match(/^\/crm\/v3\/objects\/(contacts|deals)(?:\/([^/]+))?$/);
      if (v3) {
        const store = objects[v3[1] as 'contacts' | 'deals'];
        const id = v3[2];
        const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
        if (id === 'search' && req.method === 'POST') {
          const text = typeof body.query === 'string' ? body.query.toLowerCase() : undefined;
          const groups =
            (body.filterGroups as Array<{
              filters: Array<{ propertyName: string; operator: string; value: string }>;
            }>) ?? [];
          const matches = [...store.values()].filter((o) => {
            if (text && !Object.values(o.properties).some((v) => v?.toLowerCase().includes(text)))
              return false;
            return groups.every((g) =>
              g.filters.every((f) => {
                const v = o.properties[f.propertyName] ?? '';
                if (f.operator === 'EQ') return v === f.value;
                if (f.operator === 'NEQ') return v !== f.value;
                return v.toLowerCase().split(/\W+/).includes(f.value.toLowerCase());
              }),
            );
          });
          const after = Number(body.after ?? 0);
          const size = Number(body.limit ?? 10);
          const page = matches.slice(after, after + size);
          return {
            status: 200,
            body: {
              total: matches.length,
              results: page,
              ...(after + size < matches.length ? { paging: { next: { after: String(after + size) } } } : {}),
            },
          };
        }
        if (id === undefined && req.method === 'POST') {
          const object: StoredObject = {
            id: String(state.nextId++),
            properties: { ...(body.properties as Record<string, string>) },
            createdAt: now,
            updatedAt: now,
            archived: false,
          };
          store.set(object.id, object);
          return { status: 201, body: object };
        }
        const found = id === undefined ? undefined : store.get(id);
        if (!found) return hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
        if (req.method === 'PATCH') {
          Object.assign(found.properties, body.properties as Record<string, string>);
          found.updatedAt = now;
          return { status: 200, body: found };
        }
        if (req.method === 'GET') {
          const wanted = (req.url.searchParams.get('associations') ?? '').split(',').filter(Boolean);
          const linked: Record<string, string[]> = {};
          for (const type of wanted) {
            linked[type] = [...(associations.get(`${v3[1]}:${found.id}`) ?? [])]
              .filter((key) => key.startsWith(`${type}:`))
              .map((key) => key.slice(type.length + 1));
          }
          return { status: 200, body: { ...found, ...(wanted.length ? { associations: linked } : {}) } };
        }
      }
      const v4 = path.match(
        /^\/crm\/v4\/objects\/(contacts|deals)\/([^/]+)\/associations\/default\/(contacts|deals)\/([^/]+)$/,
      );
      if (v4 && req.method === 'PUT') {
        const [, fromType, fromId, toType, toId] = v4 as unknown as [
          string,
          'contacts' | 'deals',
          string,
          'contacts' | 'deals',
          string,
        ];
        if (!objects[fromType].has(fromId) || !objects[toType].has(toId)) {
          return hubspotError(404, 'OBJECT_NOT_FOUND', 'one of the objects does not exist');
        }
        const link = (a: string, b: string) => {
          const set = associations.get(a) ?? new Set<string>();
          set.add(b);
          associations.set(a, set);
        };
        link(`${fromType}:${fromId}`, `${toType}:${toId}`);
        link(`${toType}:${toId}`, `${fromType}:${fromId}`);
        return {
          status: 200,
          body: { status: 'COMPLETE', results: [{ from: { id: fromId }, to: { id: toId } }] },
        };
      }
      return hubspotError(404, 'NOT_FOUND', 'no such endpoint');
    },
    { counted: (path) => path.startsWith('/crm/'), faultPaths: ['/crm/'] },
  );
  Object.defineProperties(server, {
    tokensIssued: { get: () => state.tokensIssued },
    rateLimited: { get: () => state.rateLimited },
  });
  return Object.assign(server, {
    objects,
    throttleNext(n: number, retryAfterSeconds: number) {
      state.throttle = n;
      state.retryAfter = retryAfterSeconds;
    },
  }) as CrmSandbox;
}
