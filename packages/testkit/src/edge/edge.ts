import { request } from 'node:http';
import { startEdge, type RunningEdge, type StartEdgeOptions } from '@verge/edge';
import { createLogger } from '@verge/platform';
import type { ManagedModule } from '@verge/contracts';
import type { TestCloud } from '../cloud/index.js';
import { fixtureProcessUser } from './process-user.js';

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
    httpsPort?: number;
    mqttLimits?: StartEdgeOptions['mqttLimits'];
    /** The environment the runtime reads (e.g. DOCKER_HOST); default `process.env`. */
    env?: StartEdgeOptions['env'];
    processUser?: 'dedicated' | 'runtime';
    /** The runtime's logger (default: pino at `error`, or $VERGE_E2E_LOG). */
    log?: StartEdgeOptions['log'];
    /** Port of the Prometheus `/metrics` listener on 127.0.0.1; default 0 (a free port, never the shared 9600). */
    metricsPort?: number;
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
      // The SDK dials 443 for HTTPS; tests that need it bind it themselves (one file at a time), the others a free port.
      httpsPort: o.httpsPort ?? 0,
      runtime: o.runtime,
      ...(processUser === undefined ? {} : { processUser }),
      stopTimeoutMs: 5_000,
      logLevel: 'warn',
      metricsPort: o.metricsPort ?? 0,
    },
    {
      log: o.log ?? createLogger({ service: 'edge', level: (process.env['VERGE_E2E_LOG'] as 'info' | undefined) ?? 'error' }),
      ...(o.mqttLimits === undefined ? {} : { mqttLimits: o.mqttLimits }),
      ...(o.env === undefined ? {} : { env: o.env }),
    },
  );
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
