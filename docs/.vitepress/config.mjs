import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import { guideSidebar } from './pages.mjs';

const apiSidebarFile = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));

/** The API reference sidebar TypeDoc writes (`pnpm docs:build` runs TypeDoc first). */
function apiSidebar() {
  if (!existsSync(apiSidebarFile)) return [];
  return JSON.parse(readFileSync(apiSidebarFile, 'utf8'));
}

export default defineConfig({
  title: 'mcpkit',
  description: 'A TypeScript SDK for production MCP servers.',
  cleanUrls: true,
  lastUpdated: false,
  // Internal links are checked on the built HTML by scripts/check-links.mjs, anchors included.
  ignoreDeadLinks: false,
  srcExclude: ['**/README.md'],
  // The local search index and the API pages make one large client chunk; that is expected.
  vite: { build: { chunkSizeWarningLimit: 4096 } },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/guide/': guideSidebar(),
      '/reference/': guideSidebar(),
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
    },
    outline: { level: [2, 3] },
    search: { provider: 'local' },
  },
});
