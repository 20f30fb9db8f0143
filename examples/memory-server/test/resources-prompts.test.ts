import type { TestClient } from '@mcpkit/testing';
import { describeEachClient } from '@mcpkit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryServer } from '../src/server.js';
import { type Backend, backends } from './support/databases.js';
import { call, memoryServerFor } from './support/harness.js';

const ACME = { 'x-api-key': 'key-acme' };
const GLOBEX = { 'x-api-key': 'key-globex' };

function parsed(result: {
  contents: ReadonlyArray<{ uri: string } & ({ text: string } | { blob: string })>;
}): Record<string, unknown> {
  const first = result.contents[0];
  return JSON.parse(first && 'text' in first ? first.text : '{}');
}

describe.each(backends)('resources and prompts on $name', ({ create }) => {
  let backend: Backend;
  let memory: MemoryServer;

  beforeAll(async () => {
    backend = await create();
    memory = await memoryServerFor(await backend.open());
  }, 60_000);
  afterAll(async () => {
    await memory?.close();
    await backend?.cleanup();
  });

  describeEachClient(
    'memory resources and prompts',
    { server: () => memory.server, client: { headers: ACME } },
    (run) => {
      let client: TestClient;
      let ids: string[];
      // The runs share the backend's database: the tag carries the run's era and transport.
      const tag = `garden-${run.era}-${run.transport}`;
      beforeAll(async () => {
        client = run.client;
        ids = [];
        for (const content of [
          'Tomatoes need full sun.',
          'Tomatoes need shade in the afternoon.',
          'Basil grows next to tomatoes.',
        ]) {
          const written = await call<{ memory: { id: string } }>(client, 'remember', {
            content,
            tags: [tag],
            importance: 0.7,
          });
          ids.push(written.memory.id);
        }
        await call(client, 'link_memories', { from: ids[0], to: ids[1], relation: 'contradicts' });
      });

      it('lists the digest and both templates', async () => {
        const { resources } = await client.listResources();
        expect(resources.map((r) => r.uri)).toEqual(['memory://digest']);
        const { resourceTemplates } = await client.listResourceTemplates();
        expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
          'memory://tags/{tag}',
          'memory://{id}',
        ]);
      });

      it('reads one memory with its links, the memories of a tag, and the digest', async () => {
        const one = parsed(await client.readResource(`memory://${ids[0]}`));
        expect(one).toMatchObject({
          id: ids[0],
          content: 'Tomatoes need full sun.',
          links: [{ direction: 'out', id: ids[1], relation: 'contradicts' }],
        });
        const tagged = parsed(await client.readResource(`memory://tags/${tag}`));
        expect((tagged.memories as Array<{ id: string }>).map((m) => m.id).sort()).toEqual([...ids].sort());
        const digest = parsed(await client.readResource('memory://digest'));
        expect(digest.total).toBeGreaterThanOrEqual(3);
        expect(digest.tags).toEqual(expect.arrayContaining([{ tag, count: 3 }]));
      });

      it('answers an unknown or foreign memory as not found', async () => {
        await expect(client.readResource('memory://00000000-0000-4000-8000-000000000000')).rejects.toThrow(
          /No memory/,
        );
        const other = await run.connect({ headers: GLOBEX });
        await expect(other.readResource(`memory://${ids[0]}`)).rejects.toThrow(/No memory/);
      });

      it('completes memory ids and tags of the caller only', async () => {
        const id = ids[2] ?? '';
        const byId = await client.complete(
          { type: 'ref/resource', uri: 'memory://{id}' },
          { name: 'id', value: id.slice(0, 8) },
        );
        expect(byId.values).toContain(id);
        const byTag = await client.complete(
          { type: 'ref/resource', uri: 'memory://tags/{tag}' },
          { name: 'tag', value: 'garden-' },
        );
        expect(byTag.values).toContain(tag);
        const other = await run.connect({ headers: GLOBEX });
        const foreign = await other.complete(
          { type: 'ref/resource', uri: 'memory://{id}' },
          { name: 'id', value: id.slice(0, 8) },
        );
        expect(foreign.values).not.toContain(id);
      });

      it('lists the prompts with their arguments and completes their tag argument', async () => {
        const { prompts } = await client.listPrompts();
        expect(prompts.map((p) => p.name).sort()).toEqual([
          'find_contradictions',
          'record_decision',
          'summarize_topic',
        ]);
        expect(
          prompts.find((p) => p.name === 'record_decision')?.arguments?.map((a) => [a.name, a.required]),
        ).toEqual([
          ['decision', true],
          ['context', true],
          ['tag', false],
        ]);
        const completed = await client.complete(
          { type: 'ref/prompt', name: 'find_contradictions' },
          { name: 'tag', value: 'gard' },
        );
        expect(completed.values).toContain(tag);
      });

      it("fills the prompts with the tenant's memories", async () => {
        const summary = await client.getPrompt('summarize_topic', { topic: 'tomatoes sun', tag });
        const summaryText = JSON.stringify(summary.messages);
        expect(summaryText).toContain('Tomatoes need full sun.');
        expect(summaryText).toContain(ids[0]);
        const contradictions = await client.getPrompt('find_contradictions', { tag });
        expect(JSON.stringify(contradictions.messages)).toContain(`memory://${ids[1]}`);
        const decision = await client.getPrompt('record_decision', {
          decision: 'Use raised beds',
          context: 'Clay soil',
        });
        expect(JSON.stringify(decision.messages)).toContain('Decision: Use raised beds');
      });
    },
  );
});
