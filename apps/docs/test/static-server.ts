import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** A built VitePress site served on 127.0.0.1 the way a host with clean URLs serves it. */
export interface SiteServer {
  readonly origin: string;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Serves `root`: `/a/b` from `a/b.html`, `/a/` from `a/index.html`, files as they are, and
 * `404.html` with status 404 for anything else.
 */
export async function serveSite(root: string): Promise<SiteServer> {
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const safe = normalize(path).replace(/^(\.\.[/\\])+/, '');
    const candidates = safe.endsWith('/')
      ? [join(root, safe, 'index.html')]
      : [join(root, safe), join(root, `${safe}.html`)];
    for (const file of candidates) {
      if (await isFile(file)) {
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        });
        response.end(await readFile(file));
        return;
      }
    }
    response.writeHead(404, { 'content-type': TYPES['.html']! });
    response.end(await readFile(join(root, '404.html')).catch(() => 'not found'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
