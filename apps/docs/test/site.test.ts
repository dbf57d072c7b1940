import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPONENT_CATEGORIES, createProgram, listComponents } from '@bctkit/cli';
import { assertBuiltAfterSources } from '@bctkit/test-utils';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiteServer, serveSite } from './static-server.js';

// The built documentation site: every page's internal links (pages and #anchors) are checked in
// its built HTML, and the pages are loaded in headless Chromium (every hand-written page and a
// fixed sample of the ~470 TypeDoc API pages, which share one template), failing on console
// errors, failed requests, images that do not render, a page that does not load and hydrate
// within PAGE_TIMEOUT_MS (named), and generated reference pages missing for a command or a
// registered component.
const docs = fileURLToPath(new URL('..', import.meta.url));
const dist = join(docs, '.vitepress', 'dist');
const screenshots = join(docs, 'test-results');
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) =>
  existsSync(path),
);
if (chromiumPath === undefined && process.env.BCTKIT_EXPECT_CHROMIUM === '1')
  throw new Error('BCTKIT_EXPECT_CHROMIUM=1 but no chromium binary (apt-get install chromium)');

/** The URL path of each built page: `guide/x.html` is `/guide/x`, `a/index.html` is `/a/`. */
async function builtPages(): Promise<string[]> {
  const files = (await readdir(dist, { recursive: true })).filter(
    (file) => file.endsWith('.html') && file !== '404.html',
  );
  return files
    .map((file) => `/${file.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, '')}`)
    .sort();
}

/** A page that does not load and hydrate in this time is reported by name, and the crawl goes on. */
const PAGE_TIMEOUT_MS = 15_000;
/** Of the generated API pages, every this-many-th (in path order) is loaded in the browser. */
const API_SAMPLE_EVERY = 8;
/** At most this many pages are loaded in the browser (about 125 now), which bounds the test. */
const MAX_BROWSER_PAGES = 200;

/** The pages loaded in the browser: every page outside `/api/`, and a fixed sample of those in it. */
function browserPages(pages: readonly string[]): string[] {
  const api = pages.filter((path) => path.startsWith('/api/'));
  return [
    ...pages.filter((path) => !path.startsWith('/api/')),
    ...api.filter((path, index) => index % API_SAMPLE_EVERY === 0 || path.endsWith('/')),
  ];
}

/** The ids and the link targets of a built page, read from its HTML (as rendered on the server). */
async function builtPage(
  path: string,
  origin: string,
): Promise<{ ids: Set<string>; links: string[] }> {
  const file = path.endsWith('/') ? `${path}index.html` : `${path}.html`;
  const html = await readFile(join(dist, file), 'utf8');
  const decode = (text: string) =>
    text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
  const ids = new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((match) => decode(match[1]!)));
  const base = new URL(path, origin);
  const links = [...html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)]
    .map((match) => decode(match[1]!))
    .filter((href) => !/^(mailto|javascript):/.test(href))
    .map((href) => new URL(href, base).href);
  return { ids, links };
}

async function visit(page: Page, origin: string, path: string): Promise<string[]> {
  const errors: string[] = [];
  const onConsole = (message: { type(): string; text(): string }) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  };
  const onPageError = (error: Error) => errors.push(`page error: ${error.message}`);
  const onResponse = (response: { status(): number; url(): string }) => {
    if (response.status() >= 400 && response.url().startsWith(origin))
      errors.push(`HTTP ${response.status()}: ${response.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('response', onResponse);
  try {
    await page.goto(`${origin}${path}`, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    // VitePress has hydrated once its Vue app is mounted: hydration errors have surfaced.
    await page.waitForFunction(
      () => (document.querySelector('#app') as { __vue_app__?: unknown } | null)?.__vue_app__,
      undefined,
      { timeout: PAGE_TIMEOUT_MS },
    );
    // Loaded but undecodable (a corrupt SVG) shows as a zero natural width.
    const brokenImages = await page.evaluate(() =>
      [...document.querySelectorAll('img')]
        .filter((image) => image.complete && image.naturalWidth === 0)
        .map((image) => image.src),
    );
    for (const src of brokenImages) errors.push(`image does not render: ${src}`);
  } catch (error) {
    errors.push(
      `did not load and hydrate within ${PAGE_TIMEOUT_MS / 1000} s: ${(error as Error).message.split('\n', 1)[0]}`,
    );
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('response', onResponse);
  }
  return errors;
}

describe.skipIf(chromiumPath === undefined)('the documentation site in Chromium', () => {
  let server: SiteServer;
  let browser: Browser;
  let pages: string[];

  beforeAll(async () => {
    // Every `.md` source of the site (hand-written and generated) must be older than the build.
    await assertBuiltAfterSources(
      join(dist, 'index.html'),
      [
        {
          root: docs,
          isSource: (file) => file.endsWith('.md') && !/node_modules|\.vitepress/.test(file),
        },
      ],
      'pnpm docs:build',
    );
    server = await serveSite(dist);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    pages = await builtPages();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('has no broken internal link or anchor on any page', async () => {
    const built = new Map<string, { ids: Set<string>; links: string[] }>();
    for (const path of pages) built.set(path, await builtPage(path, server.origin));
    const problems: string[] = [];
    for (const [path, { links }] of built) {
      for (const link of links) {
        const url = new URL(link);
        if (url.origin !== server.origin) continue;
        const target = url.pathname.replace(/\.html$/, '');
        const isFile = /\.[a-z0-9]+$/i.test(target) && existsSync(join(dist, target));
        if (!built.has(target) && !isFile) {
          problems.push(`${path}: link to a missing page ${url.pathname}${url.hash}`);
          continue;
        }
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (anchor !== '' && !isFile && !built.get(target)!.ids.has(anchor))
          problems.push(`${path}: link to a missing anchor ${url.pathname}${url.hash}`);
      }
    }
    expect(problems, problems.slice(0, 40).join('\n')).toEqual([]);
    expect(built.size).toBeGreaterThan(400);
  });

  it(
    'loads pages in Chromium without a console error, a failed request or a page that hangs',
    async () => {
      const visited = browserPages(pages);
      expect(visited.length).toBeLessThanOrEqual(MAX_BROWSER_PAGES);
      const queue = [...visited];
      const problems: string[] = [];
      // Two tabs share the work (one per core); a tab whose page hung is replaced.
      await Promise.all(
        [0, 1].map(async () => {
          let page = await browser.newPage();
          for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
            const errors = await visit(page, server.origin, path);
            for (const error of errors) problems.push(`${path}: ${error}`);
            if (errors.some((error) => error.startsWith('did not load'))) {
              await page.close().catch(() => {});
              page = await browser.newPage();
            }
          }
          await page.close();
        }),
      );
      expect(problems, problems.slice(0, 40).join('\n')).toEqual([]);
      expect(visited.length).toBeGreaterThan(100);
    },
    // Each page waits at most twice PAGE_TIMEOUT_MS (load, then hydration) in one of two tabs:
    // even if every page hung, the test would end and name them.
    MAX_BROWSER_PAGES * PAGE_TIMEOUT_MS + 60_000,
  );

  it('has a generated reference page for every command and registered component', async () => {
    const missing: string[] = [];
    const page = await browser.newPage();
    try {
      for (const command of createProgram({ stdout: () => undefined, stderr: () => undefined })
        .commands) {
        const path = `/reference/cli/${command.name()}`;
        const leaves =
          command.commands.length === 0
            ? [`bct ${command.name()}`]
            : command.commands.map((child) => `bct ${command.name()} ${child.name()}`);
        if (!pages.includes(path)) {
          missing.push(`${path} (bct ${command.name()})`);
          continue;
        }
        await page.goto(`${server.origin}${path}`);
        const headings = await page.locator('h1, h2').allTextContents();
        for (const leaf of leaves)
          if (
            !headings.some((heading) =>
              heading
                .replace(/\u200b/g, '')
                .trim()
                .startsWith(leaf),
            )
          )
            missing.push(`${path}: no heading for ${leaf}`);
      }
      for (const category of COMPONENT_CATEGORIES) {
        const path = `/reference/components/${category}`;
        if (!pages.includes(path)) {
          missing.push(path);
          continue;
        }
        await page.goto(`${server.origin}${path}`);
        const headings = (await page.locator('h2').allTextContents()).map((heading) =>
          heading.replace(/\u200b/g, '').trim(),
        );
        for (const { id } of listComponents(category))
          if (!headings.includes(id)) missing.push(`${path}: no section for ${id}`);
      }
      for (const api of ['/api/', '/api/@bctkit/cli/', '/api/@bctkit/losses/'])
        if (!pages.includes(api)) missing.push(api);
    } finally {
      await page.close();
    }
    expect(missing).toEqual([]);
  });

  it('saves screenshots of the home page, a guide and a concept page with its diagram', async () => {
    await mkdir(screenshots, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      for (const [path, name] of [
        ['/', 'home.png'],
        ['/guide/getting-started', 'guide-getting-started.png'],
        ['/concepts/scenarios', 'concepts-scenarios.png'],
      ] as const) {
        await page.goto(`${server.origin}${path}`, { waitUntil: 'load' });
        const file = join(screenshots, name);
        await writeFile(file, await page.screenshot({ fullPage: true }));
        expect((await stat(file)).size, relative(docs, file)).toBeGreaterThan(20_000);
      }
      await page.goto(`${server.origin}/`);
      await expect(page.locator('.VPHero .name').textContent()).resolves.toContain('bctkit');
    } finally {
      await page.close();
    }
  });
});
