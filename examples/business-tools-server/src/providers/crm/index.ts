import * as z from 'zod';
import { defineProvider } from '../../provider.js';
import { crmConfig } from './config.js';
import { createCrmApi, crmObjectSchema, OBJECT_TYPES } from './crm-api.js';

const objectType = z.enum(OBJECT_TYPES).describe('contacts or deals');
const objectId = z.string().regex(/^\d{1,20}$/, 'must be a numeric CRM id');
const properties = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'property names are lower_snake_case'),
    z.string().max(10_000),
  )
  .refine((p) => Object.keys(p).length > 0 && Object.keys(p).length <= 100, 'give 1 to 100 properties');

/** Contacts and deals in a HubSpot-shaped CRM: search, get, create, update, associate. */
export default defineProvider({
  name: 'crm',
  description: 'Contacts and deals in a HubSpot-shaped CRM',
  config: crmConfig,
  install(builder, config) {
    const api = createCrmApi(config);
    builder.use(api.upstream);

    builder.tool('crm_search', {
      description: 'Searches contacts or deals by free text and/or property filters, a page at a time.',
      input: {
        objectType,
        query: z.string().max(200).optional(),
        filters: z
          .array(
            z.object({
              propertyName: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/),
              operator: z.enum(['EQ', 'NEQ', 'CONTAINS_TOKEN']),
              value: z.string().max(500),
            }),
          )
          .max(10)
          .optional(),
        limit: z.number().int().min(1).max(100).default(10),
        after: z
          .string()
          .regex(/^\d{1,10}$/)
          .optional()
          .describe('`after` of the previous page'),
      },
      output: { total: z.number(), results: z.array(crmObjectSchema), after: z.string().optional() },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: (args, ctx) =>
        api.search(ctx, args.objectType, {
          limit: args.limit,
          ...(args.query ? { query: args.query } : {}),
          ...(args.filters ? { filters: args.filters } : {}),
          ...(args.after ? { after: args.after } : {}),
        }),
    });

    builder.tool('crm_get', {
      description: 'Gets one contact or deal by id, with the ids of the objects associated with it.',
      input: { objectType, id: objectId },
      output: { object: crmObjectSchema },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async (args, ctx) => ({ object: await api.get(ctx, args.objectType, args.id) }),
    });

    builder.tool('crm_create', {
      description:
        'Creates a contact or deal with the given properties (e.g. email, firstname; dealname, amount).',
      input: { objectType, properties },
      output: { object: crmObjectSchema },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: async (args, ctx) => ({ object: await api.create(ctx, args.objectType, args.properties) }),
    });

    builder.tool('crm_update', {
      description:
        'Sets properties of an existing contact or deal; properties not given are left as they are.',
      input: { objectType, id: objectId, properties },
      output: { object: crmObjectSchema },
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
      handler: async (args, ctx) => ({
        object: await api.update(ctx, args.objectType, args.id, args.properties),
      }),
    });

    builder.tool('crm_associate', {
      description: 'Associates a contact with a deal (either direction); associating twice is harmless.',
      input: { fromType: objectType, fromId: objectId, toType: objectType, toId: objectId },
      output: { associated: z.literal(true) },
      annotations: { idempotentHint: true, openWorldHint: true },
      handler: async (args, ctx) => {
        await api.associate(
          ctx,
          { type: args.fromType, id: args.fromId },
          { type: args.toType, id: args.toId },
        );
        return { associated: true as const };
      },
    });
  },
});
