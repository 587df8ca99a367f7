// `gaterun serve`: the same site over HTTP on 127.0.0.1 only, rebuilt when the reports dir changes.
import type { KeyObject } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { errors } from '../errors.js';
import { cachedRenderer } from './build-site.js';
import { findRunDirs } from './collect-runs.js';
import { CSP_HEADER } from './html.js';

export interface ServedSite {
  url: string;
  port: number;
  server: Server;
  /** How many times the site was rendered (a new run or a changed file triggers one). */
  builds: () => number;
  close: () => Promise<void>;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** A cheap fingerprint of every file of every run (names, sizes, mtimes): when it changes, the site is rebuilt. */
export function reportsFingerprint(reportsDir: string): string {
  const parts: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p, { throwIfNoEntry: false });
        if (s) parts.push(`${p}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  for (const run of findRunDirs(reportsDir)) walk(run);
  return parts.join('\n');
}

/** Serves the site of reportsDir on 127.0.0.1:port (0 picks a free port); each page request rebuilds when a run changed. */
export async function serveSite(o: { reportsDir: string; port: number; trustedKeys: KeyObject[] }): Promise<ServedSite> {
  let pages = new Map<string, string>();
  let print = '';
  let builds = 0;
  const render = cachedRenderer();
  const refresh = () => {
    const now = reportsFingerprint(o.reportsDir);
    if (now === print && builds > 0) return;
    pages = new Map(render(o.reportsDir, o.trustedKeys).files.map((f) => [f.path, f.content]));
    print = now;
    builds++;
  };
  refresh();
  let port = o.port;
  const server = createServer((req, res) => {
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, {
        'Content-Type': type,
        'Content-Security-Policy': CSP_HEADER,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // Only this machine's names: a page of another site that resolves its name to 127.0.0.1 gets nothing.
    const host = String(req.headers.host ?? '');
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(421, 'wrong Host header\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET only\n');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    } catch {
      return send(400, 'bad URL\n');
    }
    if (path === '' || path.endsWith('/')) path += 'index.html';
    if (path === 'favicon.ico') path = 'assets/favicon.svg';
    if (path.endsWith('.html')) {
      try {
        refresh();
      } catch (e) {
        return send(500, `cannot build the site: ${(e as Error).message}\n`);
      }
    }
    const body = pages.get(path);
    if (body === undefined) return send(404, 'not found\n');
    send(200, body, TYPES[path.split('.').pop() ?? ''] ?? 'text/plain; charset=utf-8');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(errors.servePort(o.port, e.code ?? e.message)));
    server.listen(o.port, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    server,
    builds: () => builds,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
