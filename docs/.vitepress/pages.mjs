// The guide and reference pages of the site, in sidebar order. Pages marked `optional` are written
// on another branch: they join the sidebar only once their file exists, so the site builds and
// link-checks clean with or without them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));

/** @typedef {{ text: string, link: string, optional?: boolean }} Page */

/** @type {{ text: string, items: Page[] }[]} */
const sections = [
  {
    text: 'Introduction',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Tools, resources and prompts', link: '/guide/tools-resources-prompts' },
      { text: 'Protocol eras', link: '/guide/protocol-eras' },
    ],
  },
  {
    text: 'Serving',
    items: [
      { text: 'Standard I/O for desktop clients', link: '/guide/stdio', optional: true },
      { text: 'Streamable HTTP and mounting', link: '/guide/http-and-mounting', optional: true },
      { text: 'Health, readiness and drain', link: '/guide/health-and-drain' },
      { text: 'Deployment and scale-out', link: '/guide/deployment', optional: true },
    ],
  },
  {
    text: 'Building production servers',
    items: [
      { text: 'Middleware', link: '/guide/middleware' },
      { text: 'Auth', link: '/guide/auth' },
      { text: 'Rate limiting', link: '/guide/rate-limiting' },
      { text: 'Resilience for upstreams', link: '/guide/resilience' },
      { text: 'Caching', link: '/guide/caching' },
      { text: 'Long-running tools: tasks', link: '/guide/tasks' },
      { text: 'Pagination and batch tools', link: '/guide/pagination-and-batches' },
      { text: 'Configuration and secrets', link: '/guide/configuration' },
      { text: 'Security defaults', link: '/guide/security', optional: true },
      { text: 'Testing your server', link: '/guide/testing' },
    ],
  },
  {
    text: 'Consuming servers',
    items: [{ text: 'Calling servers: the typed client', link: '/guide/client' }],
  },
  {
    text: 'Migrating',
    items: [
      { text: 'From the official SDK', link: '/guide/migration-official-sdk', optional: true },
      { text: 'From FastMCP', link: '/guide/migration-fastmcp', optional: true },
    ],
  },
  {
    text: 'Reference',
    items: [
      { text: 'Observability', link: '/reference/observability', optional: true },
      { text: 'Error codes', link: '/reference/error-codes', optional: true },
      { text: 'API reference', link: '/api/' },
    ],
  },
];

/** Whether the Markdown file behind a site link exists (`/guide/stdio` → `guide/stdio.md`). */
export function pageExists(link) {
  const path = link.endsWith('/') ? `${link}index` : link;
  return existsSync(`${docsRoot}${path.slice(1)}.md`);
}

/** The sidebar sections, with the optional pages whose file is missing left out. */
export function guideSidebar() {
  return sections
    .map((section) => ({
      text: section.text,
      items: section.items
        .filter((page) => !page.optional || pageExists(page.link))
        .map(({ text, link }) => ({ text, link })),
    }))
    .filter((section) => section.items.length > 0);
}
