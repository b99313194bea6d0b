import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/index.js';
import type { MetricsExposition } from './metrics-exposition.js';

/** A listening `GET /metrics` endpoint. */
export interface MetricsListener {
  readonly port: number;
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Where and what a metrics listener serves. */
export interface MetricsListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly collect: () => Promise<MetricsExposition>;
  readonly log: Logger;
  /** Who answers (named in the 404 text), e.g. `the edge runtime`. */
  readonly serverName: string;
}

/**
 * Serves `GET /metrics` (Prometheus text format 0.0.4) and nothing else, without authentication: meant for a
 * loopback or otherwise private address. Rejects with the listen error (`EADDRINUSE`, …) as Node gives it; callers
 * wrap it into their own error code naming their setting.
 */
export async function startMetricsListener(o: MetricsListenerOptions): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`${o.serverName} serves GET /metrics only\n`);
      return;
    }
    o.collect().then(
      ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (err: unknown) => {
        o.log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed; see the log\n');
      },
    );
  });
  // Scrapers keep connections alive; they must not hold the process's stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/metrics`;
  o.log.info({ url }, 'Prometheus metrics listening');
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
