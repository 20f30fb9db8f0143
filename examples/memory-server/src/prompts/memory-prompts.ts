import type { BaseContext, ServerBuilder } from '@mcpkit/core';
import * as z from 'zod';
import { searchMemories } from '../memories/hybrid-search.js';
import type { Memory } from '../memories/memory.js';
import type { MemoryService } from '../memories/memory-service.js';
import { listTags, memoriesTagged } from '../memories/memory-store.js';
import { memoryUri } from '../resources/memory-resources.js';

function bullet(memory: Memory): string {
  const tags = memory.tags.length > 0 ? ` [${memory.tags.join(', ')}]` : '';
  return `- (${memory.id}, importance ${memory.importance})${tags} ${memory.content}`;
}

/** Tags starting with what was typed, for argument completion. */
function tagCompleter(service: MemoryService) {
  return async (value: string, { ctx }: { ctx: BaseContext }) =>
    (await service.inTenantOf(ctx, (trx) => listTags(trx, { prefix: value.toLowerCase(), limit: 20 }))).map(
      (entry) => entry.tag,
    );
}

/** Registers the workflow prompts: summarize a topic, record a decision, find contradictions. */
export function memoryPrompts(builder: ServerBuilder, service: MemoryService): ServerBuilder {
  const completeTag = tagCompleter(service);
  return builder
    .prompt('summarize_topic', {
      title: 'Summarize what we know',
      description:
        'Gathers the memories that best match a topic (optionally within a tag) and asks for a summary that cites them.',
      args: z.object({
        topic: z.string().describe('What to summarize, e.g. "billing migration"'),
        tag: z.string().optional().describe('Only memories with this tag'),
      }),
      complete: { topic: completeTag, tag: completeTag },
      get: async ({ topic, tag }, ctx) => {
        const { vectors } = await service.embed([topic], ctx);
        const vector = vectors?.[0] ?? null;
        const { hits } = await service.inTenantOf(ctx, (trx) =>
          searchMemories(
            trx,
            {
              text: topic,
              language: 'english',
              tags: tag ? [tag.toLowerCase()] : undefined,
              offset: 0,
              limit: 15,
            },
            vector ? 'hybrid' : 'fulltext',
            vector,
          ),
        );
        const listing =
          hits.length > 0
            ? hits.map((hit) => bullet(hit.memory)).join('\n')
            : '(no memory matches this topic)';
        return [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Summarize what we know about "${topic}". Cite memory ids in brackets, say where memories disagree, and list open questions.\n\nMemories:\n${listing}`,
            },
          },
        ];
      },
    })
    .prompt('record_decision', {
      title: 'Record a decision',
      description:
        'Asks the assistant to store a decision with its context, alternatives and owner through the remember tool.',
      args: z.object({
        decision: z.string().describe('What was decided'),
        context: z.string().describe('Why, and what else was considered'),
        tag: z.string().optional().describe('Project or area tag'),
      }),
      complete: { tag: completeTag },
      get: ({ decision, context, tag }) => {
        const tags = JSON.stringify(['decision', ...(tag ? [tag.toLowerCase()] : [])]);
        return `Record this decision with the remember tool (tags ${tags}, importance 0.8). Write one self-contained memory: the decision, the reasons, the alternatives rejected, and who decided if known. Then recall related memories and link them with link_memories (relation "follows" or "contradicts").\n\nDecision: ${decision}\nContext: ${context}`;
      },
    })
    .prompt('find_contradictions', {
      title: 'Find contradictions',
      description:
        'Lists the memories with a tag and asks which of them contradict each other, to be linked with relation "contradicts".',
      args: z.object({ tag: z.string().describe('The tag to examine') }),
      complete: { tag: completeTag },
      get: async ({ tag }, ctx) => {
        const memories = await service.inTenantOf(ctx, (trx) => memoriesTagged(trx, tag.toLowerCase(), 50));
        return [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Here are the memories tagged "${tag}". Find pairs that contradict each other; for each pair explain the conflict and call link_memories with relation "contradicts". Resources: ${memories.map((m) => memoryUri(m.id)).join(' ') || '(none)'}\n\n${memories.map(bullet).join('\n') || '(no memories with this tag)'}`,
            },
          },
        ];
      },
    });
}
