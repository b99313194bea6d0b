import { VergeError } from '@verge/contracts';
import { startMetricsListener, type Logger, type MetricsListener } from '@verge/platform';
import type { EdgeMetrics } from './edge-metrics.js';

/** Where `/metrics` listens and whether a taken port is fatal. */
export interface MetricsListen {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The port was given explicitly (`--metrics-port`): failing to listen fails the start; else it is only logged. */
  readonly explicit: boolean;
}

/** A listening `/metrics` endpoint. */
export type MetricsServer = MetricsListener;

/**
 * Serves `GET /metrics` (Prometheus text format 0.0.4, as iotedge's `http://edgeHub:9600/metrics`) and nothing else.
 * Rejects with EDGE_METRICS_PORT_IN_USE naming the flag when it cannot listen; resolves undefined instead (logged as a
 * warning) when the port was the default one, so a second runtime on one host still starts.
 */
export async function startMetricsServer(metrics: Pick<EdgeMetrics, 'collect'>, listen: MetricsListen, log: Logger): Promise<MetricsServer | undefined> {
  try {
    return await startMetricsListener({ host: listen.host, port: listen.port, collect: () => metrics.collect(), log, serverName: 'the edge runtime' });
  } catch (e) {
    const err = listenError(listen, e);
    if (listen.explicit) throw err;
    log.warn({ reason: err.message }, 'Prometheus metrics are off: the default metrics port is not available (set --metrics-port)');
    return undefined;
  }
}

function listenError(listen: MetricsListen, e: unknown): VergeError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `--metrics-port ${listen.port} on --metrics-bind ${listen.host}`;
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use (another edge runtime or exporter?); choose another port, or 0 for a free one'
      : code === 'EACCES'
        ? 'needs privileges this process does not have (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
        : code === 'EADDRNOTAVAIL'
          ? 'is not an address of this host'
          : `cannot be listened on: ${(e as Error | undefined)?.message ?? String(e)}`;
  return new VergeError('EDGE_METRICS_PORT_IN_USE', `${where} ${why}`, { cause: e });
}
