import { ConfigError, defineConfig, type Plugin, type ServerBuilder } from '@mcpkit/core';
import type * as z from 'zod';

/** What the server hands a provider besides its own configuration. */
export interface ProviderRuntime {
  /** Public origin of this server (e.g. `http://127.0.0.1:3000`) once it listens, for callback URLs given to providers. */
  publicUrl(): string | undefined;
}

/** A provider's declaration: its configuration schema and how it installs itself once configured. */
export interface ProviderSpec<S extends z.ZodObject> {
  /** Short lower-case name: in tool prefixes, readiness (`provider:<name>`), upstream names and metrics. */
  name: string;
  /** One line for readiness and the start-up summary. */
  description: string;
  /** Its environment variables, as a zod object (read with core's `defineConfig()`). */
  config: S;
  /** Registers tools, routes, upstreams and health checks from the validated configuration. */
  install(builder: ServerBuilder, config: z.output<S>, runtime: ProviderRuntime): void;
}

const BRAND = Symbol.for('mcpkit.example.business-tools.provider');

/** A provider: a core `Plugin` (so `loadPlugins()` discovers it) that also carries its configuration schema. */
export interface Provider<S extends z.ZodObject = z.ZodObject> extends Plugin {
  readonly [BRAND]: true;
  /** The declaration this provider was made from. */
  readonly spec: ProviderSpec<S>;
}

/** One provider's fate at start-up. */
export type ProviderStatus =
  | { name: string; status: 'enabled'; description: string }
  | { name: string; status: 'disabled'; description: string; reason: string };

/** What {@link planProviders} decided: who is enabled with which configuration. */
export interface ProviderPlan {
  statuses: ProviderStatus[];
  enabled: Array<{ provider: Provider; config: Record<string, unknown> }>;
}

/**
 * Validates every provider's configuration against `env` before any is installed. A provider
 * none of whose variables is set is disabled; one with some set must be complete and well
 * formed. Throws one `ConfigError` listing every problem of every provider (values never shown).
 */
export function planProviders(
  providers: readonly Provider[],
  env: Record<string, string | undefined>,
): ProviderPlan {
  const plan: ProviderPlan = { statuses: [], enabled: [] };
  const problems: string[] = [];
  for (const provider of providers) {
    const { name, description, config } = provider.spec;
    const keys = Object.keys(config.shape);
    if (!keys.some((key) => env[key] !== undefined && env[key] !== '')) {
      plan.statuses.push({
        name,
        description,
        status: 'disabled',
        reason: `none of ${keys.join(', ')} is set`,
      });
      continue;
    }
    try {
      plan.enabled.push({ provider, config: defineConfig(config, { env, exit: false }) });
      plan.statuses.push({ name, description, status: 'enabled' });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((problem) => `${name}: ${problem}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return plan;
}

/** Installs the enabled providers of a plan and a `provider:<name>` readiness check for every provider. */
export function installPlan(builder: ServerBuilder, plan: ProviderPlan, runtime: ProviderRuntime): void {
  for (const status of plan.statuses) {
    const details =
      status.status === 'disabled' ? { status: 'disabled', reason: status.reason } : { status: 'enabled' };
    // A disabled provider is a decision, not a fault: readiness reports it and stays healthy.
    builder.health(`provider:${status.name}`, () => ({ healthy: true, details }));
  }
  for (const { provider, config } of plan.enabled) provider.spec.install(builder, config, runtime);
}

/**
 * Declares a provider. Installed on its own (`.use(provider)`) it reads `process.env`; the
 * server instead plans every provider first (one message for all problems) and installs the plan.
 */
export function defineProvider<S extends z.ZodObject>(spec: ProviderSpec<S>): Provider<S> {
  const provider: Provider<S> = {
    [BRAND]: true,
    name: spec.name,
    spec,
    install(builder) {
      installPlan(builder, planProviders([provider as unknown as Provider], process.env), {
        publicUrl: () => undefined,
      });
    },
  };
  return provider;
}

/** True when a discovered plugin is a provider made by {@link defineProvider}. */
export function isProvider(plugin: Plugin): plugin is Provider {
  return (plugin as Partial<Provider>)[BRAND] === true;
}
