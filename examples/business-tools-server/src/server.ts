import { createServer, type Logger, loadPlugins, McpkitError, type ServerBuilder } from '@mcpkit/core';
import { metrics } from '@mcpkit/middleware';
import { installPlan, isProvider, type Provider, type ProviderStatus, planProviders } from './provider.js';

/** Options of {@link createBusinessServer}. */
export interface BusinessServerOptions {
  /** Environment the providers read. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Folder of provider plugins. Default: `providers/` beside this module (sources or build). */
  providersDir?: string | URL;
  /** Public origin of the server once it listens, for provider callbacks. Default: none. */
  publicUrl?: () => string | undefined;
  /** Logger of the server. Default: core's JSON logger on standard error. */
  logger?: Logger;
}

/** The server and what start-up decided about each provider. */
export interface BusinessServer {
  builder: ServerBuilder;
  providers: ProviderStatus[];
}

/**
 * Builds the business-tools server: discovers every provider in `providers/`, validates all
 * their configurations first (one message for every problem of every provider), installs the
 * enabled ones and reports the disabled ones in readiness, with Prometheus metrics at `/metrics`.
 */
export async function createBusinessServer(options: BusinessServerOptions = {}): Promise<BusinessServer> {
  const plugins = await loadPlugins(options.providersDir ?? new URL('./providers/', import.meta.url));
  const providers: Provider[] = [];
  for (const plugin of plugins) {
    if (!isProvider(plugin)) {
      throw new McpkitError('VALIDATION_FAILED', `Plugin "${plugin.name}" in providers/ is not a provider.`, {
        retryable: false,
        hint: 'Export defineProvider({ name, description, config, install }) from the provider folder’s index.',
      });
    }
    providers.push(plugin);
  }
  const plan = planProviders(providers, options.env ?? process.env);
  const builder = createServer({
    name: 'business-tools',
    version: '1.0.0',
    ...(options.logger ? { logger: options.logger } : {}),
    instructions:
      'Business tools from provider plugins: SMS (sms_*), CRM (crm_*), read-only database (db_*), outbound webhooks.',
  }).use(metrics({ endpoint: '/metrics' }));
  installPlan(builder, plan, { publicUrl: options.publicUrl ?? (() => undefined) });
  return { builder, providers: plan.statuses };
}
