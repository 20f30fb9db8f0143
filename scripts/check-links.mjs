#!/usr/bin/env node
// Crawls the built documentation site (docs/.vitepress/dist, from `pnpm docs:build`) and reports
// every internal link whose page or anchor does not exist. External links (another origin,
// mailto:, tel:) are not fetched. Exits 1 when anything is broken.
// Usage: node scripts/check-links.mjs [DIST]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(root, 'docs', '.vitepress', 'dist'));
if (!existsSync(dist)) {
  console.error(`check-links: ${relative(root, dist) || dist} does not exist; run \`pnpm docs:build\` first`);
  process.exit(1);
}

/** Every file under `dir`, as paths relative to `dist` with forward slashes. */
function walk(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, found);
    else found.push(relative(dist, path).split(sep).join('/'));
  }
  return found;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'" };
function decodeEntities(text) {
  return text.replace(/&(#?\w+);/g, (all, name) => {
    if (ENTITIES[name] !== undefined) return ENTITIES[name];
    if (/^#x[0-9a-f]+$/i.test(name)) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
    return all;
  });
}

function safeDecodeUri(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Strips what is not page markup — scripts, styles — so their text is not read as links. */
function markupOf(html) {
  return html.replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/<style\b[\s\S]*?<\/style>/gi, '');
}

const files = walk(dist);
const htmlFiles = files.filter((file) => file.endsWith('.html'));
const fileSet = new Set(files);

/** Page file → the ids its anchors can point at. */
const idsByPage = new Map();
/** Page file → the hrefs of its `<a>` elements. */
const linksByPage = new Map();
for (const file of htmlFiles) {
  const html = markupOf(readFileSync(join(dist, file), 'utf8'));
  const ids = new Set();
  for (const match of html.matchAll(/\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    ids.add(decodeEntities(match[1] ?? match[2]));
  }
  idsByPage.set(file, ids);
  const hrefs = [];
  for (const match of html.matchAll(/<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    hrefs.push(decodeEntities(match[1] ?? match[2]));
  }
  linksByPage.set(file, hrefs);
}

/** The built file a site path is served from (clean URLs: `/guide/x` → `guide/x.html`), if any. */
function targetFile(pathname) {
  let path = safeDecodeUri(pathname).replace(/^\/+/, '');
  if (path === '' || path.endsWith('/')) path = `${path}index.html`;
  for (const candidate of [path, `${path}.html`, `${path}/index.html`]) {
    if (fileSet.has(candidate)) return candidate;
  }
  return undefined;
}

const base = 'http://site.invalid/';
const broken = [];
let checked = 0;
/** Distinct link targets (page and anchor), for the summary. */
const targets = new Set();
for (const [page, hrefs] of linksByPage) {
  const pageUrl = new URL(page.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, ''), base);
  for (const href of hrefs) {
    if (href === '' || /^(mailto|tel|javascript|data):/i.test(href)) continue;
    let url;
    try {
      url = new URL(href, pageUrl);
    } catch {
      broken.push({ page, href, reason: 'malformed URL' });
      continue;
    }
    if (url.origin !== new URL(base).origin) continue; // external: not ours to check
    checked++;
    targets.add(`${url.pathname}${url.hash}`);
    const target = targetFile(url.pathname);
    if (!target) {
      broken.push({ page, href, reason: 'no such page' });
      continue;
    }
    if (url.hash && url.hash !== '#') {
      const id = safeDecodeUri(url.hash.slice(1));
      const ids = idsByPage.get(target);
      if (ids && !ids.has(id)) broken.push({ page, href, reason: `no anchor #${id} in ${target}` });
    }
  }
}

const summary = `${checked} internal link${checked === 1 ? '' : 's'} (${targets.size} distinct) in ${htmlFiles.length} page${htmlFiles.length === 1 ? '' : 's'}`;
if (broken.length > 0) {
  for (const { page, href, reason } of broken) console.error(`${page}: ${href} — ${reason}`);
  console.error(`\ncheck-links: ${broken.length} broken of ${summary}`);
  process.exit(1);
}
console.log(`check-links: ${summary}, 0 broken`);
