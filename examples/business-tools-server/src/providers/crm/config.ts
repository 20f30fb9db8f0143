import { secret } from '@mcpkit/core';
import * as z from 'zod';

/** Environment variables of the CRM provider (HubSpot-shaped API, OAuth2 client credentials). */
export const crmConfig = z.object({
  CRM_CLIENT_ID: z.string().min(1),
  CRM_CLIENT_SECRET: secret(z.string().min(16, 'must be at least 16 characters')),
  CRM_API_URL: z.url().default('https://api.hubapi.com'),
  /** Token endpoint. Default: `<CRM_API_URL>/oauth/v1/token`. */
  CRM_TOKEN_URL: z.url().optional(),
  /** Outbound requests per second; HubSpot allows private apps 100 per 10 s (Free/Starter), hence 10. */
  CRM_RATE_PER_SECOND: z.coerce.number().min(1).max(1_000).default(10),
  CRM_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1_000),
  CRM_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  CRM_MAX_CONCURRENT: z.coerce.number().int().min(1).max(256).default(16),
});

/** The validated CRM configuration. */
export type CrmConfig = z.output<typeof crmConfig>;
