import type {
  AudioContent,
  CallToolResult,
  ContentBlock,
  EmbeddedResource,
  ImageContent,
  ResourceLink,
  TextContent,
} from '@modelcontextprotocol/server';

/** A text content block. */
export function textContent(text: string): TextContent {
  return { type: 'text', text };
}

/** An image content block from Base64 data. */
export function imageContent(data: string, mimeType: string): ImageContent {
  return { type: 'image', data, mimeType };
}

/** An audio content block from Base64 data. */
export function audioContent(data: string, mimeType: string): AudioContent {
  return { type: 'audio', data, mimeType };
}

/** An embedded resource with text or Base64 `blob` contents. */
export function resourceContent(
  resource: { uri: string; mimeType?: string } & ({ text: string } | { blob: string }),
): EmbeddedResource {
  return { type: 'resource', resource } as EmbeddedResource;
}

/** A link to a resource the client can read later. */
export function resourceLink(link: Omit<ResourceLink, 'type'>): ResourceLink {
  return { type: 'resource_link', ...link } as ResourceLink;
}

const CONTENT_TYPES = new Set(['text', 'image', 'audio', 'resource', 'resource_link']);

function isContentBlock(value: unknown): value is ContentBlock {
  return (
    typeof value === 'object' &&
    value !== null &&
    CONTENT_TYPES.has((value as { type?: unknown }).type as string) &&
    !Array.isArray(value)
  );
}

function isCallToolResult(value: unknown): value is CallToolResult {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content)
  );
}

/**
 * What a tool handler may return: a full `CallToolResult`, a string, a content block or an array of
 * them, nothing, or — for tools with an output schema — the structured value itself.
 */
export type ToolReturn<Out = never> =
  | CallToolResult
  | string
  | ContentBlock
  | ContentBlock[]
  | undefined
  | void
  | Out;

/** Normalizes a handler's return into a `CallToolResult`. */
export function toCallToolResult(value: unknown, structured: boolean): CallToolResult {
  if (value === undefined || value === null) return { content: [] };
  if (typeof value === 'string') return { content: [textContent(value)] };
  if (isCallToolResult(value)) return value;
  if (Array.isArray(value) && value.every(isContentBlock)) return { content: value };
  if (!structured && isContentBlock(value)) return { content: [value] };
  // A structured value: sent as structuredContent, with a JSON text rendering for older clients.
  return {
    content: [textContent(JSON.stringify(value))],
    structuredContent: value as Record<string, unknown>,
  };
}
