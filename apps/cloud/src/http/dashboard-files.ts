import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** One built file of the dashboard, held in memory. */
interface DashboardFile {
  readonly type: string;
  readonly body: Buffer;
}

/** The built dashboard (apps/dashboard/dist): `index.html` and the hashed files under `assets/`. */
export interface DashboardFiles {
  readonly index: DashboardFile;
  readonly assets: ReadonlyMap<string, DashboardFile>;
}

/** Route config marking the dashboard's routes: they are not part of the service API (nor of its OpenAPI document). */
export interface DashboardRouteConfig {
  readonly dashboard: true;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

// Scripts and styles from this origin only (no CDN); API calls to this origin only; never framed.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Where the `@verge/dashboard` workspace keeps its build (`npm run build`), or undefined when it is not installed. */
export function defaultDashboardDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@verge/dashboard/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/** Reads the built dashboard into memory (a few hundred kB); undefined when `dir` holds no build. */
export function loadDashboardFiles(dir: string | undefined): DashboardFiles | undefined {
  if (dir === undefined || !existsSync(join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, DashboardFile>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)];
      if (type !== undefined) assets.set(name, { type, body: readFileSync(join(assetDir, name)) });
    }
  }
  return { index: { type: TYPES['.html'] ?? 'text/html', body: readFileSync(join(dir, 'index.html')) }, assets };
}

/**
 * Serves the dashboard at `/` (index.html, revalidated on every load) and `/assets/{name}` (content-hashed names:
 * cached for a year). A small handler over files read at start rather than @fastify/static: no path is ever
 * joined from a request, so nothing outside the build can be served. Anonymous: the page holds no data, every
 * API call it makes carries the signed-in user's token. Without a build, `/` says how to make one.
 */
export function registerDashboard(app: FastifyInstance, files: DashboardFiles | undefined): void {
  const config: DashboardRouteConfig = { dashboard: true };
  app.get('/', { config }, async (_request, reply) => {
    if (files === undefined) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The Verge dashboard is not built: run `npm run build` (or `npm run build -w @verge/dashboard`) and restart the cloud. The service API works without it; /openapi.json lists its routes.\n');
    }
    return reply.headers({ 'content-type': files.index.type, 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }).send(files.index.body);
  });
  app.get('/assets/:name', { config }, async (request, reply) => {
    const file = files?.assets.get((request.params as { name: string }).name);
    if (file === undefined) return reply.callNotFound();
    return reply.headers({ 'content-type': file.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }).send(file.body);
  });
}
