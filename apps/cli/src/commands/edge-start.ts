import type { Command } from 'commander';
import { isVergeError } from '@verge/contracts';
import { createLifecycle, createLogger, type LogLevel } from '@verge/platform';
import { invalid, parseIntegerFlag } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';

interface EdgeStartOptions {
  readonly connectionString?: string;
  readonly cloudCa?: string;
  readonly cloudApi?: string;
  readonly data: string;
  readonly hostname: string;
  readonly bind: string;
  readonly mqttPort: string;
  readonly workloadUri?: string;
  readonly runtime: string;
  readonly storeMaxBytes?: string;
  readonly stopTimeout: string;
  readonly logLevel: string;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const runtimes = ['docker', 'process', 'auto'];
/** The environment variable read when `--connection-string` is not given (keeps the key out of `ps`). */
export const EDGE_CONNECTION_STRING_ENV = 'VERGE_EDGE_CONNECTION_STRING';
// Longest the whole shutdown may take before a step is abandoned (process modules get --stop-timeout each).
const SHUTDOWN_STEP_TIMEOUT_MS = 60_000;

/** `verge edge start`: runs the edge runtime (agent, edge hub, workload API) in this process until SIGTERM/SIGINT. */
export function registerEdgeStart(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and inspect the Verge edge runtime on this device');
  addVerb(group, 'start', 'run the edge runtime until SIGTERM/SIGINT (containers keep running and are adopted at the next start)')
    .option('--connection-string <cs>', `the edge device's connection string (default: $${EDGE_CONNECTION_STRING_ENV})`)
    .option('--cloud-ca <file>', "PEM file of the CA the cloud's certificate chains to (e.g. the cloud's DIR/ca.pem)")
    .option('--cloud-api <url>', "the cloud's HTTPS service API (default https://{HostName}:8443)")
    .option('--data <dir>', 'data directory: edge CA, message store, agent state, module logs, sockets', './.verge/edge')
    .option('--hostname <name>', 'gateway host name modules and leaf devices connect to (on the hub certificate)', 'localhost')
    .option('--bind <addr>', 'address the edge hub listens on', '0.0.0.0')
    .option('--mqtt-port <port>', 'edge hub MQTT over TLS port (0 picks a free port)', '8883')
    .option('--workload-uri <uri>', 'workload API: unix:///abs/path.sock or http://127.0.0.1:PORT (default unix://DIR/workload.sock)')
    .option('--runtime <kind>', `where Docker modules run: ${runtimes.join(', ')} (auto: Docker when an engine answers); process modules always run`, 'auto')
    .option('--store-max-bytes <n>', 'bound of the message store on disk; beyond it publishes are refused (default 1 GiB)')
    .option('--stop-timeout <ms>', 'grace period of a process module at shutdown before SIGKILL', '10000')
    .option('--log-level <level>', `log level: ${logLevels.join(', ')}`, 'info')
    .action(runAction((stdio, options: EdgeStartOptions) => startAndWait(stdio, options)));
}

async function startAndWait(stdio: Stdio, options: EdgeStartOptions): Promise<number> {
  const input = configFromFlags(options);
  const log = createLogger({ service: 'edge', level: input.logLevel });
  // Loaded on demand so the client commands never load the runtime (as `cloud start` loads the cloud).
  const { startEdge } = await import('@verge/edge');
  let edge: Awaited<ReturnType<typeof startEdge>>;
  try {
    edge = await startEdge(input, { log });
  } catch (e) {
    if (isVergeError(e, 'EDGE_CONFIG_INVALID') || isVergeError(e, 'EDGE_CLOUD_CA_INVALID')) {
      stdio.err(`error: ${e.message}`);
      return exitCodes.badInput;
    }
    throw e;
  }
  const lifecycle = createLifecycle({ log, stepTimeoutMs: SHUTDOWN_STEP_TIMEOUT_MS, onForceExit: () => process.exit(130) });
  lifecycle.onStop('edge', () => edge.stop());
  stdio.out(`Verge edge runtime for ${edge.config.device.deviceId} started from ${edge.config.dataDir}`);
  stdio.out(`  edge hub      mqtts://${edge.config.hostname}:${edge.ports.mqtt}`);
  stdio.out(`  workload API  ${edge.workloadUri}`);
  stdio.out(`  modules       ${edge.runtimes.docker === undefined ? 'process' : `docker (${edge.runtimes.docker}) and process`}`);
  stdio.out(`  edge CA       ${edge.edgeCaPath}  (leaf devices trust this file)`);
  await lifecycle.stopped;
  lifecycle.dispose();
  return exitCodes.ok;
}

function configFromFlags(o: EdgeStartOptions): {
  connectionString: string;
  cloudCaFile?: string;
  cloudApiUrl?: string;
  dataDir: string;
  hostname: string;
  bindAddress: string;
  mqttPort: number;
  workloadUri?: string;
  runtime: 'docker' | 'process' | 'auto';
  storeMaxBytes?: number;
  stopTimeoutMs: number;
  logLevel: LogLevel;
} {
  const connectionString = o.connectionString ?? process.env[EDGE_CONNECTION_STRING_ENV];
  if (connectionString === undefined || connectionString.trim() === '') {
    throw invalid('--connection-string', `is required (or set $${EDGE_CONNECTION_STRING_ENV})`);
  }
  if (!runtimes.includes(o.runtime)) throw invalid('--runtime', `"${o.runtime}" is not one of ${runtimes.join(', ')}`);
  if (!logLevels.includes(o.logLevel)) throw invalid('--log-level', `"${o.logLevel}" is not one of ${logLevels.join(', ')}`);
  return {
    connectionString,
    ...(o.cloudCa === undefined ? {} : { cloudCaFile: o.cloudCa }),
    ...(o.cloudApi === undefined ? {} : { cloudApiUrl: o.cloudApi }),
    dataDir: o.data,
    hostname: o.hostname,
    bindAddress: o.bind,
    mqttPort: parseIntegerFlag('--mqtt-port', o.mqttPort, 0, 65_535),
    ...(o.workloadUri === undefined ? {} : { workloadUri: o.workloadUri }),
    runtime: o.runtime as 'docker' | 'process' | 'auto',
    ...(o.storeMaxBytes === undefined ? {} : { storeMaxBytes: parseIntegerFlag('--store-max-bytes', o.storeMaxBytes, 1024 * 1024, Number.MAX_SAFE_INTEGER) }),
    stopTimeoutMs: parseIntegerFlag('--stop-timeout', o.stopTimeout, 0, 600_000),
    logLevel: o.logLevel as LogLevel,
  };
}
