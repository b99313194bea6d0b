import type { Command } from 'commander';
import { createLifecycle, type LogLevel } from '@verge/platform';
import { invalid, parseIntegerFlag } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import { keepRunningWhenOutputCloses, type Stdio } from '../cli/stdio.js';

interface EdgeStartOptions {
  readonly connectionString?: string;
  readonly cloudCa?: string;
  readonly cloudApi?: string;
  readonly data: string;
  readonly hostname?: string;
  readonly bind?: string;
  readonly mqttPort?: string;
  readonly httpsPort?: string;
  readonly workloadUri?: string;
  readonly insecureSharedWorkloadApi?: boolean;
  readonly processUser?: string;
  readonly runtime?: string;
  readonly moduleNetwork?: string;
  readonly containerPrefix?: string;
  readonly storeMaxBytes?: string;
  readonly maxPendingHandshakesPerAddress?: string;
  readonly maxConnectionsPerAddress?: string;
  readonly stopTimeout?: string;
  readonly logLevel?: string;
  readonly metricsPort?: string;
  readonly metricsBind?: string;
  /** false with `--no-metrics`; undefined when not given (the config file or the default decides). */
  readonly metrics?: boolean;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const runtimes = ['docker', 'process', 'auto'];
const processUsers = ['dedicated', 'runtime'];
/** The environment variable read when `--connection-string` is not given (keeps the key out of `ps`). */
export const EDGE_CONNECTION_STRING_ENV = 'VERGE_EDGE_CONNECTION_STRING';
// Longest the whole shutdown may take before a step is abandoned (process modules get --stop-timeout each).
const SHUTDOWN_STEP_TIMEOUT_MS = 60_000;
// Start failures that are the operator's input (exit 2); any other VergeError of the start exits 1.
const BAD_INPUT = new Set(['EDGE_CONFIG_INVALID', 'EDGE_CONFIG_FILE_INVALID', 'EDGE_CLOUD_CA_INVALID']);
const FLAG_CS_WARNING = `warning: --connection-string puts the device key on the command line, where every local user can read it (ps, /proc/PID/cmdline); install it with \`verge edge config apply --config FILE\` or set $${EDGE_CONNECTION_STRING_ENV} instead`;

/**
 * `verge edge start`: runs the edge runtime (agent, edge hub, workload API) in this process until SIGTERM/SIGINT.
 * Settings come from the config file installed in the data directory (`verge edge config apply`), then
 * $VERGE_EDGE_CONNECTION_STRING, then flags; only flags given on the command line override (no flag defaults here:
 * the runtime applies them after the merge).
 */
export function registerEdgeStart(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and inspect the Verge edge runtime on this device');
  addVerb(group, 'start', 'run the edge runtime until SIGTERM/SIGINT (containers keep running and are adopted at the next start)')
    .option('--data <dir>', 'data directory: config, edge CA, message store, agent state, module logs, sockets', './.verge/edge')
    .option(
      '--connection-string <cs>',
      `NOT RECOMMENDED (visible in ps): the edge device's connection string; default: the config installed by \`verge edge config apply\`, or $${EDGE_CONNECTION_STRING_ENV}`,
    )
    .option('--cloud-ca <file>', "PEM file of the CA the cloud's certificate chains to (e.g. the cloud's DIR/ca.pem)")
    .option('--cloud-api <url>', "the cloud's HTTPS service API (default https://{HostName}:8443)")
    .option('--hostname <name>', 'gateway host name modules and leaf devices connect to, on the hub certificate (default localhost)')
    .option('--bind <addr>', 'address the edge hub listens on (default 0.0.0.0)')
    .option('--mqtt-port <port>', 'edge hub MQTT over TLS port; 0 picks a free port (default 8883)')
    .option('--https-port <port>', 'edge hub HTTPS port: direct methods from modules and MQTT over WebSockets; the Azure SDK dials 443; 0 picks a free port (default 443)')
    .option('--workload-uri <uri>', 'INSECURE, needs --insecure-shared-workload-api: also serve the workload API on this shared unix:///abs/path.sock or http://127.0.0.1:PORT')
    .option('--insecure-shared-workload-api', 'INSECURE: allow --workload-uri, a listener that signs for ANY module for every local process that reaches it (modules always get their own sockets)')
    .option('--process-user <mode>', `process modules run as: ${processUsers.join(', ')} (dedicated: each as its own unprivileged uid, needs root; default dedicated as root, else runtime)`)
    .option('--runtime <kind>', `where Docker modules run: ${runtimes.join(', ')} (auto: Docker when an engine answers; default auto); process modules always run`)
    .option('--module-network <name>', 'Docker network container modules join unless their createOptions choose another; created when missing; the hub listens on its gateway (default azure-iot-edge)')
    .option('--container-prefix <prefix>', 'put in front of the name of every container this runtime creates (e.g. edge1-), so several runtimes on one Docker engine can run the same module ids (default none: the module id)')
    .option('--max-pending-handshakes-per-address <n>', 'sockets one address may hold on the hub before CONNECT (default 64); raise for many leaves behind one NAT')
    .option('--max-connections-per-address <n>', 'connected clients one address may hold on the hub (default 1000)')
    .option('--store-max-bytes <n>', 'bound of the message store on disk; beyond it publishes are refused (default 1 GiB)')
    .option('--stop-timeout <ms>', 'grace period of a process module at shutdown before SIGKILL (default 10000)')
    .option('--log-level <level>', `log level: ${logLevels.join(', ')} (default info)`)
    .option('--metrics-port <port>', 'port of the Prometheus GET /metrics listener (edgehub_*, edgeAgent_*); 0 picks a free port (default 9600; a taken default port only turns metrics off)')
    .option('--metrics-bind <addr>', 'address of the /metrics listener (default 127.0.0.1)')
    .option('--no-metrics', 'no /metrics listener')
    .action(runAction((stdio, options: EdgeStartOptions) => startAndWait(stdio, options)));
}

async function startAndWait(stdio: Stdio, options: EdgeStartOptions): Promise<number> {
  keepRunningWhenOutputCloses();
  const input = configFromFlags(options);
  // Kept for compatibility, loudly: the key stays readable in `ps` for as long as the runtime runs.
  if (options.connectionString !== undefined) stdio.err(FLAG_CS_WARNING);
  // Loaded on demand so the client commands never load the runtime (as `cloud start` loads the cloud); the bundled
  // runtime when it is up to date (smaller heap, issue 8), else the unbundled build, saying why.
  const { loadEdgeRuntime } = await import('@verge/edge/runtime-loader');
  const { startEdge, isVergeError, reason } = await loadEdgeRuntime();
  let edge: Awaited<ReturnType<typeof startEdge>>;
  try {
    edge = await startEdge(input);
  } catch (e) {
    // The runtime's own isVergeError: the bundle's errors are instances of its own copy of VergeError.
    if (!isVergeError(e)) throw e;
    stdio.err(`error: ${e.message}`);
    return BAD_INPUT.has(e.code) ? exitCodes.badInput : exitCodes.apiFailed;
  }
  const lifecycle = createLifecycle({ log: edge.log, stepTimeoutMs: SHUTDOWN_STEP_TIMEOUT_MS, onForceExit: () => process.exit(130) });
  lifecycle.onStop('edge', () => edge.stop());
  stdio.out(`Verge edge runtime for ${edge.config.device.deviceId} started from ${edge.config.dataDir}`);
  stdio.out(`  edge hub      mqtts://${edge.config.hostname}:${edge.ports.mqtt}`);
  stdio.out(`  hub HTTPS     https://${edge.config.hostname}:${edge.ports.https}  (direct methods from modules, MQTT over WebSockets)`);
  stdio.out(`  workload API  ${workloadLine(edge.moduleSocketsDir, edge.workloadUri)}`);
  stdio.out(`  modules       ${edge.runtimes.docker === undefined ? 'process' : `docker (${edge.runtimes.docker}) and process`} (process modules run as ${edge.config.processUser === 'dedicated' ? 'their own users' : "the runtime's user"})`);
  stdio.out(`  edge CA       ${edge.edgeCaPath}  (leaf devices trust this file)`);
  stdio.out(`  metrics       ${edge.metricsUrl ?? 'off'}`);
  stdio.out(`  build         ${reason === undefined ? 'bundled' : `unbundled: ${reason}`}`);
  await lifecycle.stopped;
  lifecycle.dispose();
  return exitCodes.ok;
}

function workloadLine(moduleSocketsDir: string | undefined, shared: string | undefined): string {
  const own = moduleSocketsDir === undefined ? undefined : 'one socket per module';
  const insecure = shared === undefined ? undefined : `${shared} (INSECURE shared listener: signs for any module)`;
  return [own, insecure].filter((x) => x !== undefined).join('; ');
}

/** The settings given on the command line only (undefined for flags not given), checked one by one. */
function configFromFlags(o: EdgeStartOptions): {
  connectionString?: string;
  cloudCaFile?: string;
  cloudApiUrl?: string;
  dataDir: string;
  hostname?: string;
  bindAddress?: string;
  mqttPort?: number;
  httpsPort?: number;
  workloadUri?: string;
  insecureSharedWorkloadApi?: boolean;
  processUser?: 'dedicated' | 'runtime';
  runtime?: 'docker' | 'process' | 'auto';
  moduleNetwork?: string;
  containerPrefix?: string;
  storeMaxBytes?: number;
  maxPendingHandshakesPerAddress?: number;
  maxConnectionsPerAddress?: number;
  stopTimeoutMs?: number;
  logLevel?: LogLevel;
  metricsPort?: number;
  metricsBind?: string;
  metrics?: boolean;
} {
  if (o.connectionString !== undefined && o.connectionString.trim() === '') throw invalid('--connection-string', 'is empty');
  if (o.runtime !== undefined && !runtimes.includes(o.runtime)) throw invalid('--runtime', `"${o.runtime}" is not one of ${runtimes.join(', ')}`);
  if (o.logLevel !== undefined && !logLevels.includes(o.logLevel)) throw invalid('--log-level', `"${o.logLevel}" is not one of ${logLevels.join(', ')}`);
  if (o.processUser !== undefined && !processUsers.includes(o.processUser)) throw invalid('--process-user', `"${o.processUser}" is not one of ${processUsers.join(', ')}`);
  if (o.workloadUri !== undefined && o.insecureSharedWorkloadApi !== true) {
    throw invalid('--workload-uri', `${o.workloadUri} is a shared workload listener that signs for ANY module; refused unless --insecure-shared-workload-api is also given`);
  }
  return {
    dataDir: o.data,
    ...(o.connectionString === undefined ? {} : { connectionString: o.connectionString.trim() }),
    ...(o.cloudCa === undefined ? {} : { cloudCaFile: o.cloudCa }),
    ...(o.cloudApi === undefined ? {} : { cloudApiUrl: o.cloudApi }),
    ...(o.hostname === undefined ? {} : { hostname: o.hostname }),
    ...(o.bind === undefined ? {} : { bindAddress: o.bind }),
    ...(o.mqttPort === undefined ? {} : { mqttPort: parseIntegerFlag('--mqtt-port', o.mqttPort, 0, 65_535) }),
    ...(o.httpsPort === undefined ? {} : { httpsPort: parseIntegerFlag('--https-port', o.httpsPort, 0, 65_535) }),
    ...(o.workloadUri === undefined ? {} : { workloadUri: o.workloadUri }),
    ...(o.insecureSharedWorkloadApi === true ? { insecureSharedWorkloadApi: true } : {}),
    ...(o.processUser === undefined ? {} : { processUser: o.processUser as 'dedicated' | 'runtime' }),
    ...(o.runtime === undefined ? {} : { runtime: o.runtime as 'docker' | 'process' | 'auto' }),
    ...(o.moduleNetwork === undefined ? {} : { moduleNetwork: o.moduleNetwork }),
    ...(o.containerPrefix === undefined ? {} : { containerPrefix: o.containerPrefix }),
    ...(o.maxPendingHandshakesPerAddress === undefined
      ? {}
      : { maxPendingHandshakesPerAddress: parseIntegerFlag('--max-pending-handshakes-per-address', o.maxPendingHandshakesPerAddress, 1, 1_000_000) }),
    ...(o.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: parseIntegerFlag('--max-connections-per-address', o.maxConnectionsPerAddress, 1, 1_000_000) }),
    ...(o.storeMaxBytes === undefined ? {} : { storeMaxBytes: parseIntegerFlag('--store-max-bytes', o.storeMaxBytes, 1024 * 1024, Number.MAX_SAFE_INTEGER) }),
    ...(o.stopTimeout === undefined ? {} : { stopTimeoutMs: parseIntegerFlag('--stop-timeout', o.stopTimeout, 0, 600_000) }),
    ...(o.logLevel === undefined ? {} : { logLevel: o.logLevel as LogLevel }),
    ...(o.metricsPort === undefined ? {} : { metricsPort: parseIntegerFlag('--metrics-port', o.metricsPort, 0, 65_535) }),
    ...(o.metricsBind === undefined ? {} : { metricsBind: o.metricsBind }),
    ...(o.metrics === false ? { metrics: false } : {}),
  };
}
