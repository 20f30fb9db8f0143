import type { ServerBuilder } from '@mcpkit/core';
import { PNG_BASE64 } from './fixtures.js';

/** Static resources, a template with completion, and a subscribable resource. */
export function resources(builder: ServerBuilder): ServerBuilder {
  return builder
    .resource('test://static-text', {
      name: 'static-text',
      title: 'Static text',
      description: 'A static text resource',
      mimeType: 'text/plain',
      read: () => 'This is the content of the static text resource.',
    })
    .resource('test://static-binary', {
      name: 'static-binary',
      title: 'Static binary',
      description: 'A static binary resource (a 1x1 PNG)',
      mimeType: 'image/png',
      read: () => ({ blob: PNG_BASE64 }),
    })
    .resource('test://watched-resource', {
      name: 'watched-resource',
      title: 'Watched resource',
      description: 'A resource clients can subscribe to',
      mimeType: 'text/plain',
      read: () => `Watched resource content at ${new Date().toISOString()}`,
    })
    .resource('test://template/{id}/data', {
      name: 'template',
      title: 'Template data',
      description: 'Data for an id, from a URI template',
      mimeType: 'application/json',
      read: (_uri, { id }) => JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      complete: { id: (value) => ['1', '2', '3', '42', '123'].filter((id) => id.startsWith(value)) },
    });
}
