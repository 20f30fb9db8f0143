import { imageContent, type ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import { PNG_BASE64 } from './fixtures.js';

/** Prompts: plain, with arguments (and completion), with an embedded resource, with an image. */
export function prompts(builder: ServerBuilder): ServerBuilder {
  return builder
    .prompt('test_simple_prompt', {
      description: 'A simple prompt without arguments',
      get: () => 'This is a simple prompt for testing.',
    })
    .prompt('test_prompt_with_arguments', {
      description: 'A prompt with two required arguments',
      args: z.object({
        arg1: z.string().describe('First test argument'),
        arg2: z.string().describe('Second test argument'),
      }),
      complete: {
        arg1: (value) => ['test', 'testing', 'tested', 'paris', 'park'].filter((v) => v.startsWith(value)),
      },
      get: ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
    })
    .prompt('test_prompt_with_embedded_resource', {
      description: 'A prompt that embeds a resource',
      args: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
      get: ({ resourceUri }) => [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    })
    .prompt('test_prompt_with_image', {
      description: 'A prompt that includes an image',
      get: () => [
        { role: 'user', content: imageContent(PNG_BASE64, 'image/png') },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    });
}
