import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPONENT_CATEGORIES, createProgram, listComponents } from '@bctkit/cli';
import { assertBuiltAfterSources } from '@bctkit/test-utils';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiteServer, serveSite } from './static-server.js';

// The built documentation site in a real browser: every page is loaded in headless Chromium,
// and the test fails on console errors, failed requests, images that do not render, broken
// internal links (pages and #anchors), and generated reference pages missing for a command or a
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

interface Visit {
  readonly errors: string[];
  readonly ids: Set<string>;
  readonly links: string[];
}

async function visit(page: Page, origin: string, path: string): Promise<Visit> {
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
    await page.goto(`${origin}${path}`, { waitUntil: 'load' });
    // VitePress has hydrated once its Vue app is mounted: hydration errors have surfaced.
    await page.waitForFunction(
      () => (document.querySelector('#app') as { __vue_app__?: unknown } | null)?.__vue_app__,
    );
    const { ids, links, brokenImages } = await page.evaluate(() => ({
      ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
      links: [...document.querySelectorAll('a[href]')].map(
        (anchor) => (anchor as HTMLAnchorElement).href,
      ),
      // Loaded but undecodable (a corrupt SVG) shows as a zero natural width.
      brokenImages: [...document.querySelectorAll('img')]
        .filter((image) => image.complete && image.naturalWidth === 0)
        .map((image) => image.src),
    }));
    for (const src of brokenImages) errors.push(`image does not render: ${src}`);
    return { errors, ids: new Set(ids), links };
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('response', onResponse);
  }
}

describe.skipIf(chromiumPath === undefined)('the documentation site in Chromium', () => {
  let server: SiteServer;
  let browser: Browser;
  let pages: string[];
  const visits = new Map<string, Visit>();

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

  it('loads every page without a console error, a failed request or a broken internal link', async () => {
    const queue = [...pages];
    // Two tabs share the work (one per core).
    await Promise.all(
      [0, 1].map(async () => {
        const page = await browser.newPage();
        for (let path = queue.shift(); path !== undefined; path = queue.shift())
          visits.set(path, await visit(page, server.origin, path));
        await page.close();
      }),
    );
    const problems: string[] = [];
    for (const [path, { errors, links }] of visits) {
      for (const error of errors) problems.push(`${path}: ${error}`);
      for (const link of links) {
        const url = new URL(link);
        if (url.origin !== server.origin) continue;
        const target = url.pathname.replace(/\.html$/, '');
        const isFile = /\.[a-z0-9]+$/i.test(target) && existsSync(join(dist, target));
        if (!visits.has(target) && !isFile) {
          problems.push(`${path}: link to a missing page ${url.pathname}${url.hash}`);
          continue;
        }
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (anchor !== '' && !isFile && !visits.get(target)!.ids.has(anchor))
          problems.push(`${path}: link to a missing anchor ${url.pathname}${url.hash}`);
      }
    }
    expect(problems, problems.slice(0, 40).join('\n')).toEqual([]);
    expect(visits.size).toBe(pages.length);
  }, 600_000);

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
