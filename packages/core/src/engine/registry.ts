import type {
  Prompt,
  PromptArgument,
  Resource,
  ResourceTemplateType,
  Tool,
} from '@modelcontextprotocol/server';
import { UriTemplate } from '@modelcontextprotocol/server';
import { ProtocolError, RpcCode } from '../protocol/rpc-error.js';
import type {
  Completer,
  PromptOptions,
  ResourceOptions,
  ResourceTemplateOptions,
  ToolOptions,
} from './definitions.js';
import { type AnySchema, type CompiledSchema, compileSchema, type StandardSchemaV1 } from './schema.js';
import type { PromptSpec, ResourceSpec, ToolSpec } from './server-definition.js';

/** A tool frozen at build time. */
export interface FrozenTool {
  readonly name: string;
  readonly listing: Tool;
  readonly input: CompiledSchema | undefined;
  readonly output: CompiledSchema | undefined;
  readonly options: ToolOptions<AnySchema | undefined, AnySchema | undefined>;
  /** Arguments the client also sends as `Mcp-Param-*` headers (`x-mcp-header` properties). */
  readonly paramHeaders: ReadonlyArray<{ property: string; headerName: string; field: string }>;
}

/** A fixed-URI resource frozen at build time. */
export interface FrozenResource {
  readonly uri: string;
  readonly listing: Resource;
  readonly options: ResourceOptions;
}

/** A resource template frozen at build time. */
export interface FrozenTemplate {
  readonly template: UriTemplate;
  readonly listing: ResourceTemplateType;
  readonly options: ResourceTemplateOptions;
}

/** A prompt frozen at build time. */
export interface FrozenPrompt {
  readonly name: string;
  readonly listing: Prompt;
  readonly args: CompiledSchema | undefined;
  readonly options: PromptOptions<StandardSchemaV1 | undefined>;
  readonly complete: Readonly<Record<string, Completer>>;
}

/** The immutable registry a built server dispatches against. */
export interface Registry {
  readonly tools: ReadonlyMap<string, FrozenTool>;
  readonly toolList: readonly Tool[];
  readonly resources: ReadonlyMap<string, FrozenResource>;
  readonly resourceList: readonly Resource[];
  readonly templates: readonly FrozenTemplate[];
  readonly templateList: readonly ResourceTemplateType[];
  readonly prompts: ReadonlyMap<string, FrozenPrompt>;
  readonly promptList: readonly Prompt[];
}

function withOptional<T extends object>(target: T, extras: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extras)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

function freezeTool(spec: ToolSpec): FrozenTool {
  const { options } = spec;
  const owner = { kind: 'tool', name: spec.name } as const;
  const input = options.input ? compileSchema(options.input, 'input', owner) : undefined;
  const output = options.output ? compileSchema(options.output, 'output', owner) : undefined;
  const listing = withOptional(
    { name: spec.name, inputSchema: input?.jsonSchema ?? { type: 'object', properties: {} } } as Tool,
    {
      title: options.title,
      description: options.description,
      outputSchema: output?.jsonSchema,
      annotations: options.annotations,
      icons: options.icons,
      _meta: options.meta,
    },
  );
  const properties = (listing.inputSchema.properties ?? {}) as Record<string, { 'x-mcp-header'?: unknown }>;
  const paramHeaders = Object.entries(properties).flatMap(([property, schema]) => {
    const headerName = schema?.['x-mcp-header'];
    return typeof headerName === 'string'
      ? [{ property, headerName, field: `mcp-param-${headerName.toLowerCase()}` }]
      : [];
  });
  return Object.freeze({
    name: spec.name,
    listing: Object.freeze(listing),
    input,
    output,
    options,
    paramHeaders,
  });
}

function promptArguments(schema: CompiledSchema | undefined): PromptArgument[] | undefined {
  if (!schema) return undefined;
  const properties = (schema.jsonSchema.properties ?? {}) as Record<
    string,
    { description?: string; title?: string }
  >;
  const required = new Set((schema.jsonSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, prop]) =>
    withOptional({ name, required: required.has(name) } as PromptArgument, {
      title: prop.title,
      description: prop.description,
    }),
  );
}

/** Converts the builder's specs into the frozen registry: schemas converted and listings built once. */
export function freezeRegistry(
  tools: ToolSpec[],
  resources: ResourceSpec[],
  prompts: PromptSpec[],
): Registry {
  const toolMap = new Map(tools.map((spec) => [spec.name, freezeTool(spec)]));
  const resourceMap = new Map<string, FrozenResource>();
  const templates: FrozenTemplate[] = [];
  for (const spec of resources) {
    const o = spec.options;
    const common = {
      name: o.name,
      title: o.title,
      description: o.description,
      mimeType: o.mimeType,
      icons: o.icons,
      _meta: o.meta,
    };
    if (spec.kind === 'static') {
      const listing = withOptional({ uri: spec.uri } as Resource, { ...common, size: spec.options.size });
      resourceMap.set(
        spec.uri,
        Object.freeze({ uri: spec.uri, listing: Object.freeze(listing), options: spec.options }),
      );
    } else {
      const listing = withOptional({ uriTemplate: spec.uriTemplate } as ResourceTemplateType, common);
      templates.push(
        Object.freeze({
          template: new UriTemplate(spec.uriTemplate),
          listing: Object.freeze(listing),
          options: spec.options,
        }),
      );
    }
  }
  const promptMap = new Map<string, FrozenPrompt>();
  for (const spec of prompts) {
    const owner = { kind: 'prompt', name: spec.name } as const;
    const args = spec.options.args ? compileSchema(spec.options.args, 'input', owner) : undefined;
    const listing = withOptional({ name: spec.name } as Prompt, {
      title: spec.options.title,
      description: spec.options.description,
      arguments: promptArguments(args),
      icons: spec.options.icons,
      _meta: spec.options.meta,
    });
    promptMap.set(
      spec.name,
      Object.freeze({
        name: spec.name,
        listing: Object.freeze(listing),
        args,
        options: spec.options,
        complete: spec.options.complete ?? {},
      }),
    );
  }
  return Object.freeze({
    tools: toolMap,
    toolList: Object.freeze([...toolMap.values()].map((t) => t.listing)),
    resources: resourceMap,
    resourceList: Object.freeze([...resourceMap.values()].map((r) => r.listing)),
    templates: Object.freeze(templates),
    templateList: Object.freeze(templates.map((t) => t.listing)),
    prompts: promptMap,
    promptList: Object.freeze([...promptMap.values()].map((p) => p.listing)),
  });
}

/** Finds the template matching `uri`, with its variables. */
export function matchTemplate(
  templates: readonly FrozenTemplate[],
  uri: string,
): { template: FrozenTemplate; variables: Record<string, string> } | undefined {
  for (const template of templates) {
    let match: ReturnType<UriTemplate['match']>;
    try {
      match = template.template.match(uri);
    } catch {
      // The SDK's matcher refuses URIs it cannot match safely (length, shape): the caller's error.
      throw new ProtocolError(RpcCode.INVALID_PARAMS, 'Invalid resource URI: it cannot be matched.', {
        uri: uri.slice(0, 256),
      });
    }
    if (match) {
      const variables: Record<string, string> = {};
      for (const [key, value] of Object.entries(match)) {
        const raw = Array.isArray(value) ? value.join(',') : String(value);
        try {
          variables[key] = decodeURIComponent(raw);
        } catch {
          throw new ProtocolError(
            RpcCode.INVALID_PARAMS,
            `Invalid resource URI: malformed percent-encoding in "${key}".`,
            {
              uri,
            },
          );
        }
      }
      return { template, variables };
    }
  }
  return undefined;
}
