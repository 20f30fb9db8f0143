import type { BaseContext } from '@mcpkit/core';
import { createClientCredentialsProvider, createUpstream, type Upstream } from '@mcpkit/resilience';
import * as z from 'zod';
import { notFoundAs } from '../../not-found.js';
import type { CrmConfig } from './config.js';

/** The CRM object types the tools handle. */
export const OBJECT_TYPES = ['contacts', 'deals'] as const;
/** One of {@link OBJECT_TYPES}. */
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** A CRM object as the HubSpot-shaped API returns it. */
export const crmObjectSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  associations: z.record(z.string(), z.array(z.string())).optional(),
});

/** One CRM object. */
export type CrmObject = z.output<typeof crmObjectSchema>;

const searchResultSchema = z.object({
  total: z.number(),
  results: z.array(crmObjectSchema),
  paging: z.object({ next: z.object({ after: z.string() }) }).optional(),
});

/** A search filter, HubSpot style. */
export interface CrmFilter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'CONTAINS_TOKEN';
  value: string;
}

/** The CRM client: one resilient upstream named `crm` behind an OAuth2 client-credentials token provider. */
export interface CrmApi {
  readonly upstream: Upstream;
  search(
    ctx: BaseContext,
    type: ObjectType,
    query: { query?: string; filters?: CrmFilter[]; limit: number; after?: string },
  ): Promise<{ total: number; results: CrmObject[]; after?: string }>;
  get(ctx: BaseContext, type: ObjectType, id: string): Promise<CrmObject>;
  create(ctx: BaseContext, type: ObjectType, properties: Record<string, string>): Promise<CrmObject>;
  update(
    ctx: BaseContext,
    type: ObjectType,
    id: string,
    properties: Record<string, string>,
  ): Promise<CrmObject>;
  associate(
    ctx: BaseContext,
    from: { type: ObjectType; id: string },
    to: { type: ObjectType; id: string },
  ): Promise<void>;
}

/** Creates the CRM client with its own token provider, deadlines, retries (429 `Retry-After` honoured), breaker, bulkhead and outbound rate. */
export function createCrmApi(config: CrmConfig): CrmApi {
  const apiUrl = config.CRM_API_URL.replace(/\/+$/, '');
  const tokens = createClientCredentialsProvider({
    tokenUrl: config.CRM_TOKEN_URL ?? `${apiUrl}/oauth/v1/token`,
    clientId: config.CRM_CLIENT_ID,
    clientSecret: config.CRM_CLIENT_SECRET,
    clientAuth: 'client_secret_post',
    timeoutMs: config.CRM_DEADLINE_MS,
  });
  const upstream = createUpstream('crm', {
    baseUrl: apiUrl,
    auth: tokens,
    attemptTimeoutMs: config.CRM_ATTEMPT_TIMEOUT_MS,
    deadlineMs: config.CRM_DEADLINE_MS,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 },
    breaker: { kind: 'consecutive', failures: 5, halfOpenAfterMs: 10_000 },
    bulkhead: { maxConcurrent: config.CRM_MAX_CONCURRENT, maxQueue: config.CRM_MAX_CONCURRENT * 4 },
    // Burst 1: requests leave evenly spaced, so no wall-clock second sees more than the rate.
    upstreamRateLimit: { ratePerSecond: config.CRM_RATE_PER_SECOND, burst: 1, maxWaitMs: 2_000 },
  });
  const objects = (type: ObjectType) => `crm/v3/objects/${type}`;
  return {
    upstream,
    search: async (ctx, type, query) => {
      const body: Record<string, unknown> = { limit: query.limit };
      if (query.query) body.query = query.query;
      if (query.filters?.length) body.filterGroups = [{ filters: query.filters }];
      if (query.after) body.after = query.after;
      // Search is a POST that changes nothing: safe to retry, which an idempotency key tells the client.
      const page = await upstream.post(`${objects(type)}/search`, {
        ctx,
        json: body,
        idempotencyKey: true,
        schema: searchResultSchema,
      });
      return {
        total: page.total,
        results: page.results,
        ...(page.paging ? { after: page.paging.next.after } : {}),
      };
    },
    get: (ctx, type, id) =>
      notFoundAs(
        upstream.get(`${objects(type)}/${encodeURIComponent(id)}`, {
          ctx,
          searchParams: { associations: OBJECT_TYPES.filter((t) => t !== type).join(',') },
          schema: crmObjectSchema,
        }),
        `No ${type} with id ${id}.`,
        `Find the id with crm_search first.`,
      ),
    create: (ctx, type, properties) =>
      upstream.post(objects(type), { ctx, json: { properties }, schema: crmObjectSchema }),
    update: (ctx, type, id, properties) =>
      // Setting properties twice leaves the same object: the update may be retried.
      notFoundAs(
        upstream.patch(`${objects(type)}/${encodeURIComponent(id)}`, {
          ctx,
          json: { properties },
          idempotencyKey: true,
          schema: crmObjectSchema,
        }),
        `No ${type} with id ${id}.`,
        'Find the id with crm_search first.',
      ),
    associate: async (ctx, from, to) => {
      await notFoundAs(
        upstream.put(
          `crm/v4/objects/${from.type}/${encodeURIComponent(from.id)}/associations/default/${to.type}/${encodeURIComponent(to.id)}`,
          { ctx },
        ),
        `No ${from.type} ${from.id} or no ${to.type} ${to.id}.`,
        'Check both ids with crm_get.',
      );
    },
  };
}
