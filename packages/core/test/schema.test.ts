import { createServer, McpkitError } from '@mcpkit/core';
import { createTestClient } from '@mcpkit/testing';
import { mcpkitMatchers } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as z3 from 'zod/v3';

expect.extend(mcpkitMatchers);

/** Builds a server and returns what building threw (fails the test when it does not throw). */
function buildError(register: (app: ReturnType<typeof createServer>) => unknown): McpkitError {
  const app = createServer({ name: 'schema-test', version: '1.0.0' });
  register(app);
  try {
    app.build();
  } catch (error) {
    expect(error).toBeInstanceOf(McpkitError);
    return error as McpkitError;
  }
  throw new Error('expected build() to throw');
}

describe('tool schemas given the official SDK way (a raw shape of zod schemas)', () => {
  const app = createServer({ name: 'raw-shape', version: '1.0.0' }).tool('greet', {
    description: 'Greets someone',
    input: { name: z.string().min(1), times: z.number().int().optional() },
    output: { text: z.string() },
    handler: ({ name, times }) => ({ text: `hello ${name}`.repeat(times ?? 1) }),
  });

  it('lists the shape as an object schema with its required keys', async () => {
    const client = await createTestClient(app);
    const { tools } = await client.listTools();
    expect(tools[0]?.inputSchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 }, times: { type: 'integer' } },
      required: ['name'],
    });
    expect(tools[0]?.outputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
    });
    await client.close();
  });

  it('validates arguments against the shape and calls the handler with them', async () => {
    const client = await createTestClient(app);
    const ok = await client.callTool('greet', { name: 'Ada', times: 2 });
    expect(ok.structuredContent).toEqual({ text: 'hello Adahello Ada' });
    expect(await client.callTool('greet', { name: '' })).toBeToolError('VALIDATION_FAILED');
    await client.close();
  });
});

describe('schema mistakes fail the build with a coded error naming the tool and the fix', () => {
  it('a zod 3 schema (the zod/v3 export) says zod >= 4 or a Standard JSON Schema library is needed', () => {
    const error = buildError((app) =>
      app.tool('legacy_zod', {
        description: 'Uses zod 3',
        input: z3.object({ id: z3.string() }),
        handler: () => 'never',
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The input schema of tool "legacy_zod" is a zod 3 schema.');
    expect(error.hint).toContain('zod >= 4');
    expect(error.hint).toContain('Standard JSON Schema');
    expect(error.details).toEqual({ tool: 'legacy_zod', schema: 'input' });
  });

  it('a raw shape of zod 3 schemas gets the same zod >= 4 advice', () => {
    const error = buildError((app) =>
      app.tool('legacy_shape', {
        description: 'A shape of zod 3 schemas',
        // @ts-expect-error zod 3 schemas are not zod 4 schemas; JavaScript callers get the runtime error
        input: { id: z3.string() },
        handler: () => 'never',
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The input schema of tool "legacy_shape" uses zod 3 schemas.');
    expect(error.hint).toContain('zod >= 4');
  });

  it('a literal JSON Schema passed as input points at jsonSchema({...})', () => {
    const error = buildError((app) =>
      app.tool('literal', {
        description: 'Literal JSON Schema without the wrapper',
        // @ts-expect-error a bare JSON Schema object is not a schema
        input: { type: 'object', properties: { id: { type: 'string' } } },
        handler: () => 'never',
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The input schema of tool "literal" looks like a literal JSON Schema.');
    expect(error.hint).toContain('jsonSchema({...})');
  });

  it('an object with a value that is not a zod schema names the offending key', () => {
    const error = buildError((app) =>
      app.tool('stray', {
        description: 'A shape with a stray value',
        // @ts-expect-error a string is not a schema
        input: { id: z.string(), limit: 'number' },
        handler: () => 'never',
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('"limit" is not a zod schema');
    expect(error.details).toEqual({ tool: 'stray', schema: 'input' });
  });

  it('an output schema mistake names the output schema', () => {
    const error = buildError((app) =>
      app.tool('bad_output', {
        description: 'zod 3 output',
        output: z3.object({ ok: z3.boolean() }),
        handler: () => ({ ok: true }),
      }),
    );
    expect(error.message).toBe('The output schema of tool "bad_output" is a zod 3 schema.');
    expect(error.details).toEqual({ tool: 'bad_output', schema: 'output' });
  });
});
