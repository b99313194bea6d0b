import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdge, type RunningEdge, type StartEdgeOptions } from '@verge/edge';
import { createLogger } from '@verge/platform';
import type { ManagedModule } from '@verge/contracts';
import type { TestCloud } from './cloud.js';
import { fixtureProcessUser } from './process-user.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (paths are computed from this file, never hard-coded). */
export const REPO_ROOT = resolve(here, '../..');
/** The modules the tests deploy (plain Azure SDK programs). */
export const MODULES_DIR = resolve(here, '../modules');
/** The repository's node_modules, bind-mounted read-only into module containers. */
export const NODE_MODULES_DIR = join(REPO_ROOT, 'node_modules');

/** A temporary directory (short: unix socket paths under it must stay below 107 bytes). */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts the edge runtime against `t`'s cloud, in-process, hub on loopback. Process modules run as the runtime's
 * default user, except when other users cannot reach the repository's modules (a clone under /root): then as the
 * runtime's own user (`processUser: 'runtime'`, process-user.ts), unless `processUser` says otherwise.
 */
export function startTestEdge(
  t: TestCloud,
  o: {
    dataDir: string;
    connectionString: string;
    runtime: 'docker' | 'process' | 'auto';
    mqttPort?: number;
    mqttLimits?: StartEdgeOptions['mqttLimits'];
    /** The environment the runtime reads (e.g. DOCKER_HOST); default `process.env`. */
    env?: StartEdgeOptions['env'];
    processUser?: 'dedicated' | 'runtime';
    /** The runtime's logger (default: pino at `error`, or $VERGE_E2E_LOG). */
    log?: StartEdgeOptions['log'];
  },
): Promise<RunningEdge> {
  const processUser = o.processUser ?? fixtureProcessUser();
  return startEdge(
    {
      connectionString: o.connectionString,
      cloudCaFile: t.cloud.caPath,
      cloudApiUrl: t.cloud.urls.https,
      dataDir: o.dataDir,
      hostname: 'localhost',
      bindAddress: '127.0.0.1',
      mqttPort: o.mqttPort ?? 0,
      runtime: o.runtime,
      ...(processUser === undefined ? {} : { processUser }),
      stopTimeoutMs: 5_000,
      logLevel: 'warn',
    },
    {
      log: o.log ?? createLogger({ service: 'edge', level: (process.env['VERGE_E2E_LOG'] as 'info' | undefined) ?? 'error' }),
      ...(o.mqttLimits === undefined ? {} : { mqttLimits: o.mqttLimits }),
      ...(o.env === undefined ? {} : { env: o.env }),
    },
  );
}

/** Polls `check` until it returns a value other than undefined/false; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `GET /modules` of the runtime's management API (the unix socket `verge edge list` uses). */
export function listManagedModules(edge: Pick<RunningEdge, 'managementSocketPath'>): Promise<ManagedModule[]> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: edge.managementSocketPath, path: '/modules', method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET /modules answered ${res.statusCode}: ${text}`));
        resolvePromise((JSON.parse(text) as { modules: ManagedModule[] }).modules);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A TCP port free on 127.0.0.1 right now (for a runtime started as a child process with a fixed port). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** `GET /modules/{id}/logs` of the runtime's management API (what `verge edge logs` prints). */
export function managedModuleLogs(edge: Pick<RunningEdge, 'managementSocketPath'>, moduleId: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: edge.managementSocketPath, path: `/modules/${encodeURIComponent(moduleId)}/logs`, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(text) : reject(new Error(`GET logs of ${moduleId} answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
