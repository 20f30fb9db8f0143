// The client under test of the official conformance suite's client scenarios:
//   conformance client --command "node examples/conformance-client/dist/main.js" --scenario <name>
// The suite passes the server URL as the last argument and the scenario in MCP_CONFORMANCE_SCENARIO
// (plus MCP_CONFORMANCE_PROTOCOL_VERSION and, for some auth scenarios, MCP_CONFORMANCE_CONTEXT).
// Every scenario runs one well-behaved session through @mcpkit/client: connect (OAuth when the
// server asks for it), list the tools, call each of them, close.
import { type ClientEra, type ClientOptions, createClient, createOAuthProvider } from '@mcpkit/client';
import { ClientCredentialsProvider, PrivateKeyJwtProvider, type Tool } from '@modelcontextprotocol/client';

const CALLBACK = 'http://localhost:3000/callback';
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

interface Context {
  name?: string;
  client_id?: string;
  client_secret?: string;
  private_key_pem?: string;
  signing_algorithm?: string;
  /** Calls some scenarios ask for, with the arguments to send. */
  toolCalls?: Array<{ name: string; arguments?: Record<string, unknown> }>;
}

function eraOf(version: string | undefined): ClientEra {
  if (version === undefined || version === '') return 'auto';
  return version >= '2026-07-28' ? 'modern' : 'legacy';
}

/** The OAuth setup a scenario calls for. */
function authFor(scenario: string, context: Context): ClientOptions['auth'] {
  if (scenario === 'auth/client-credentials-basic') {
    return {
      type: 'oauth',
      provider: new ClientCredentialsProvider({
        clientId: context.client_id ?? '',
        clientSecret: context.client_secret ?? '',
      }),
    };
  }
  if (scenario === 'auth/client-credentials-jwt') {
    return {
      type: 'oauth',
      provider: new PrivateKeyJwtProvider({
        clientId: context.client_id ?? '',
        privateKey: context.private_key_pem ?? '',
        algorithm: context.signing_algorithm ?? 'ES256',
      }),
    };
  }
  // Authorization code with PKCE. The suite's authorization server answers the authorization URL
  // with a redirect to the callback at once, standing in for the user.
  let callback: URL | undefined;
  const provider = createOAuthProvider({
    redirectUrl: CALLBACK,
    clientMetadata: { client_name: 'mcpkit-conformance-client' },
    ...(scenario === 'auth/pre-registration'
      ? {
          clientInformation: {
            client_id: context.client_id ?? '',
            ...(context.client_secret ? { client_secret: context.client_secret } : {}),
            redirect_uris: [CALLBACK],
          },
        }
      : { clientMetadataUrl: CLIENT_METADATA_URL }),
    async openAuthorization(url) {
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (!location)
        throw new Error(`The authorization endpoint answered ${response.status} without a redirect.`);
      callback = new URL(location);
    },
  });
  return {
    type: 'oauth',
    provider,
    async authorizationCallback() {
      if (!callback) throw new Error('The authorization did not redirect back.');
      const answer = callback;
      callback = undefined;
      return answer;
    },
  };
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  items?: JsonSchema;
};

/** Arguments that satisfy a tool's input schema: its defaults, else a plain value per type. */
function sampleValue(schema: JsonSchema | undefined): unknown {
  if (!schema) return 'test';
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return sampleArgs(schema);
    default:
      return 'test';
  }
}

function sampleArgs(schema: JsonSchema): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const name of schema.required ?? []) args[name] = sampleValue(schema.properties?.[name]);
  return args;
}

/** The arguments to call a tool with: those the scenario gives, else ones its schema accepts. */
function argsFor(tool: Tool, context: Context, tools: Tool[]): Record<string, unknown> {
  // json-schema-2020-12-preservation: echo the focal tool's schema exactly as the client holds it.
  if (tool.name === 'json_schema_echo') {
    const focal = tools.find((other) => other.name === 'json_schema_2020_12_tool');
    return { schema: focal?.inputSchema ?? {} };
  }
  const asked = context.toolCalls?.find((call) => call.name === tool.name);
  if (asked) return asked.arguments ?? {};
  if (tool.name === 'add_numbers') return { a: 5, b: 3 };
  return sampleArgs(tool.inputSchema as JsonSchema);
}

async function main(): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const url = process.argv.at(-1);
  if (!url?.startsWith('http'))
    throw new Error('Usage: main.js <server-url> (scenario in MCP_CONFORMANCE_SCENARIO)');
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as Context;
  const auth = scenario.startsWith('auth/') ? authFor(scenario, context) : undefined;
  const client = await createClient(url, {
    era: eraOf(process.env.MCP_CONFORMANCE_PROTOCOL_VERSION),
    name: 'mcpkit-conformance-client',
    ...(auth ? { auth } : {}),
    // Retries and breaker as in production: the suite's servers drop a keep-alive connection now
    // and then under the parallel load of a full run, which a production client rides out.
    // Forms accepted with nothing filled in: the SDK fills in the schema's defaults (SEP-1034).
    capabilities: { elicitation: { form: { applyDefaults: true } }, sampling: {}, roots: {} },
    elicitation: () => ({ action: 'accept', content: {} }),
    sampling: () => ({
      role: 'assistant',
      model: 'conformance-model',
      content: { type: 'text', text: 'A sampled answer.' },
    }),
    roots: [{ uri: 'file:///conformance', name: 'conformance' }],
  });
  try {
    const tools: Tool[] = [];
    for await (const tool of client.listAllTools()) tools.push(tool);
    for (const tool of tools) {
      const result = await client
        .callTool(tool.name, argsFor(tool, context, tools))
        .catch((error: unknown) => error);
      if (result instanceof Error) console.error(`${tool.name}: ${result.message}`);
    }
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
