import {
  audioContent,
  imageContent,
  jsonSchema,
  McpkitError,
  resourceContent,
  type ServerBuilder,
  textContent,
} from '@mcpkit/core';
import * as z from 'zod';
import { PNG_BASE64, sleep, WAV_BASE64 } from './fixtures.js';

/** Content, logging, progress, error and schema fixtures (both eras). */
export function contentTools(builder: ServerBuilder): ServerBuilder {
  return builder
    .tool('test_simple_text', {
      description: 'Returns a simple text response',
      annotations: { readOnlyHint: true },
      handler: () => 'This is a simple text response for testing.',
    })
    .tool('test_image_content', {
      description: 'Returns an image (a 1x1 PNG)',
      handler: () => imageContent(PNG_BASE64, 'image/png'),
    })
    .tool('test_audio_content', {
      description: 'Returns audio (a short WAV)',
      handler: () => audioContent(WAV_BASE64, 'audio/wav'),
    })
    .tool('test_embedded_resource', {
      description: 'Returns an embedded text resource',
      handler: () =>
        resourceContent({
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        }),
    })
    .tool('test_multiple_content_types', {
      description: 'Returns text, an image and an embedded resource together',
      handler: () => [
        textContent('Multiple content types test:'),
        imageContent(PNG_BASE64, 'image/png'),
        resourceContent({
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        }),
      ],
    })
    .tool('test_tool_with_logging', {
      description: 'Sends three log messages while it runs',
      handler: async (_args, ctx) => {
        ctx.log('info', 'Tool execution started');
        await sleep(50, ctx.signal);
        ctx.log('info', 'Tool processing data');
        await sleep(50, ctx.signal);
        ctx.log('info', 'Tool execution completed');
        return 'Logging test completed.';
      },
    })
    .tool('test_logging_tool', {
      description: 'Logs at several levels; messages are only sent when the client asked for them',
      handler: (_args, ctx) => {
        ctx.log('debug', 'debug message from test_logging_tool');
        ctx.log('info', 'info message from test_logging_tool');
        ctx.log('warning', 'warning message from test_logging_tool');
        return 'Logged at debug, info and warning.';
      },
    })
    .tool('test_tool_with_progress', {
      description: 'Reports progress three times',
      handler: async (_args, ctx) => {
        for (const progress of [0, 50, 100]) {
          ctx.progress(progress, 100, `step ${progress / 50 + 1} of 3`);
          if (progress < 100) await sleep(50, ctx.signal);
        }
        return 'Progress test completed.';
      },
    })
    .tool('test_error_handling', {
      description: 'Always fails, to show how errors reach the client',
      handler: () => {
        throw new McpkitError('CONFLICT', 'This tool intentionally returns an error for testing', {
          hint: 'Nothing to fix: the failure is the point of this tool.',
        });
      },
    })
    .tool('test_reconnection', {
      description: 'Closes its event stream mid-call; the client resumes with Last-Event-ID',
      handler: async (_args, ctx) => {
        ctx.closeStream();
        await sleep(100, ctx.signal);
        return 'Reconnection test completed.';
      },
    })
    .tool('json_schema_2020_12_tool', {
      description: 'Tool with JSON Schema 2020-12 features',
      input: jsonSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: {
            $anchor: 'addressDef',
            type: 'object',
            properties: { street: { type: 'string' }, city: { type: 'string' } },
          },
        },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
          contactMethod: { type: 'string', enum: ['phone', 'email'] },
          phone: { type: 'string' },
          email: { type: 'string' },
        },
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
        then: { required: ['phone'] },
        else: { required: ['email'] },
        additionalProperties: false,
      }),
      handler: (args) => `Received: ${JSON.stringify(args)}`,
    })
    .tool('test_x_mcp_header', {
      description: 'Echoes a region that clients also send in the Mcp-Param-Region header',
      input: z.object({
        region: z.string().meta({ 'x-mcp-header': 'Region' }).describe('Region to query'),
        level: z.number().int().optional().describe('Detail level'),
      }),
      handler: ({ region, level }) => `region=${region} level=${level ?? 'default'}`,
    });
}
