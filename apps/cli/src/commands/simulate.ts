import type { Command } from 'commander';
import { isVergeError } from '@verge/contracts';
import { parseHostPort, parseConnectionString, IOT_HUB_MQTT_PORT } from '@verge/core';
import {
  createFleetSimulator,
  MAX_SIMULATED_DEVICES,
  OPTION_SYNTAX,
  parseChurn,
  parseFailRules,
  parseStartDelay,
  type FleetSimulator,
  type FleetSimulatorOptions,
  type Parsed,
} from '@verge/simulator';
import { invalid, parseIntegerFlag, parseKeyValues, tagsFromKeyValues } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { collect, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction, usageExitOverride } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { resolveConnectionFromProcess } from '../connection.js';
import { connectFailureHint, formatFleetStats } from '../format/fleet-stats-format.js';

interface SimulateOptions extends ClientOptions {
  readonly devices?: string;
  readonly prefix?: string;
  readonly tags?: string[];
  readonly mqtt?: string;
  readonly failRate?: string[];
  readonly startDelayMs?: string;
  readonly churn?: string;
  readonly churnOfflineMs?: string;
  readonly seed?: string;
  readonly registerConcurrency?: string;
  readonly connectConcurrency?: string;
  readonly duration?: string;
  readonly intervalMs?: string;
}

/** `verge simulate`: a fleet of simulated IoT Edge devices in this process until Ctrl-C (or `--duration`). */
export function registerSimulate(program: Command): void {
  const command = program
    .command('simulate')
    .description('simulate a fleet of IoT Edge devices that connect as $edgeAgent and report deployments (until Ctrl-C)')
    .exitOverride(usageExitOverride)
    .requiredOption('--devices <n>', `how many devices, 1..${MAX_SIMULATED_DEVICES} (ids {prefix}0 … {prefix}{n-1}; existing ones are reused)`)
    .option('--prefix <p>', 'device id prefix', 'sim-')
    .option('--tags <k=v...>', 'twin tags of every device (repeatable; dots in keys nest: site.city=Oslo)', collect)
    .option('--mqtt <host:port>', "the cloud's MQTT endpoint (default: the cloud credentials' mqttUrl, else {HostName}:8883)")
    .option('--fail-rate <rules...>', `modules that fail: ${OPTION_SYNTAX.failRate}`, collect)
    .option('--start-delay-ms <ms>', `time the modules take to start: ${OPTION_SYNTAX.startDelay}`, '0')
    .option('--churn <rate>', `disconnect/reconnect: ${OPTION_SYNTAX.churn}`)
    .option('--churn-offline-ms <ms>', 'how long a churned device stays offline', '1000')
    .option('--seed <text>', 'seed of the per-device draws (which devices fail, start delays)', 'verge')
    .option('--register-concurrency <n>', 'registrations in flight', '32')
    .option('--connect-concurrency <n>', "MQTT connection attempts in flight (keep it under the cloud's --max-pending-handshakes-per-address, default 64)", '48')
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--interval-ms <ms>', 'how often the status line (or a --json line) is printed', '1000');
  withClientOptions(command).action(runAction((stdio, options: SimulateOptions) => simulate(stdio, options)));
}

async function simulate(stdio: Stdio, o: SimulateOptions): Promise<number> {
  const durationMs = o.duration === undefined ? undefined : parseIntegerFlag('--duration', o.duration, 1, 31 * 86_400) * 1000;
  const intervalMs = parseIntegerFlag('--interval-ms', o.intervalMs ?? '1000', 100, 3_600_000);
  const behaviour = behaviourFrom(o);
  const connection = await resolveConnectionFromProcess(o);
  const api = await clientFromFlags(o);
  const mqtt = mqttEndpoint(o.mqtt, connection.mqttUrl, connection.connectionString);
  const fleet = createOrExplain({ api, mqtt: { ...mqtt, ...(connection.caPem === undefined ? {} : { ca: connection.caPem }) }, ...behaviour });
  const status = statusPrinter(stdio, o.json === true, fleet);
  const timer = setInterval(status.print, intervalMs);
  const stopped = waitForStop(durationMs);
  try {
    const first = await Promise.race([fleet.start().then(() => 'started' as const), stopped.promise.then(() => 'stopped' as const)]);
    // Not one device could be registered (a refused key, an API out of reach): nothing to simulate, say why and fail.
    if (first === 'started' && fleet.stats().registered === 0) return 1;
    await stopped.promise;
  } finally {
    clearInterval(timer);
    stopped.dispose();
    await fleet.stop();
    status.print();
    status.end();
  }
  return 0;
}

function behaviourFrom(o: SimulateOptions): Omit<FleetSimulatorOptions, 'api' | 'mqtt'> {
  const tags = o.tags === undefined ? undefined : tagsFromKeyValues('--tags', parseKeyValues('--tags', o.tags));
  return {
    devices: parseIntegerFlag('--devices', o.devices ?? '', 1, MAX_SIMULATED_DEVICES),
    prefix: o.prefix ?? 'sim-',
    ...(tags === undefined ? {} : { tags }),
    failRules: flag('--fail-rate', parseFailRules(o.failRate ?? [])),
    startDelay: flag('--start-delay-ms', parseStartDelay(o.startDelayMs ?? '0')),
    ...(o.churn === undefined ? {} : { churn: flag('--churn', parseChurn(o.churn)) }),
    churnOfflineMs: parseIntegerFlag('--churn-offline-ms', o.churnOfflineMs ?? '1000', 0, 3_600_000),
    seed: o.seed ?? 'verge',
    registerConcurrency: parseIntegerFlag('--register-concurrency', o.registerConcurrency ?? '32', 1, 1000),
    connectConcurrency: parseIntegerFlag('--connect-concurrency', o.connectConcurrency ?? '48', 1, 10_000),
  };
}

function flag<T>(name: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalid(name, parsed.problem);
  return parsed.value;
}

/** `--mqtt`, else the credentials' `mqttUrl`, else `{HostName}:8883`. */
function mqttEndpoint(flagValue: string | undefined, mqttUrl: string | undefined, connectionString: string): { host: string; port: number } {
  if (flagValue !== undefined) {
    const parsed = parseHostPort(flagValue);
    if (typeof parsed === 'string') throw invalid('--mqtt', `"${flagValue}" is not host[:port]: ${parsed}`);
    return { host: parsed.host, port: parsed.port ?? IOT_HUB_MQTT_PORT };
  }
  if (mqttUrl !== undefined) {
    const url = new URL(mqttUrl);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? IOT_HUB_MQTT_PORT : Number(url.port) };
  }
  const cs = parseConnectionString(connectionString);
  return { host: cs.hostName, port: IOT_HUB_MQTT_PORT };
}

// The library names its options; on the command line the flag is what the user typed.
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  devices: '--devices',
  prefix: '--prefix',
  mqtt: '--mqtt',
  failRules: '--fail-rate',
  startDelay: '--start-delay-ms',
  churn: '--churn',
  churnOfflineMs: '--churn-offline-ms',
  registerConcurrency: '--register-concurrency',
  connectConcurrency: '--connect-concurrency',
};

function createOrExplain(options: FleetSimulatorOptions): FleetSimulator {
  try {
    return createFleetSimulator(options);
  } catch (e) {
    if (!isVergeError(e) || e.code !== 'SIM_OPTIONS_INVALID') throw e;
    const option = String((e.details as { option?: unknown } | undefined)?.option ?? '');
    const rule = String((e.details as { issues?: { message?: string }[] } | undefined)?.issues?.[0]?.message ?? e.message);
    throw invalid(FLAG_OF_OPTION[option.split('.')[0] ?? ''] ?? option, rule);
  }
}

/** The live status line: rewritten in place on a terminal, one line per change otherwise; JSON lines with --json. */
function statusPrinter(stdio: Stdio, json: boolean, fleet: FleetSimulator): { print: () => void; end: () => void } {
  const tty = !json && process.stdout.isTTY === true;
  let last = '';
  const explained = new Set<string>();
  return {
    print: () => {
      const stats = fleet.stats();
      const refused = stats.lastRegistrationFailure;
      if (!json && refused !== undefined && !explained.has(`register:${refused.message}`)) {
        explained.add(`register:${refused.message}`);
        if (tty) process.stdout.write('\n');
        stdio.err(`${refused.deviceId} could not be registered: ${refused.message}`);
        last = '';
      }
      const failure = stats.lastConnectFailure;
      const kind = `${failure?.code}:${failure?.returnCode ?? ''}`;
      // Once per kind of failure, on stderr (between status lines on a terminal): why devices stay unconnected.
      if (!json && failure !== undefined && !explained.has(kind)) {
        explained.add(kind);
        if (tty) process.stdout.write('\n');
        stdio.err(connectFailureHint(failure));
        last = '';
      }
      const line = json ? JSON.stringify(stats) : formatFleetStats(stats);
      if (line === last) return;
      last = line;
      if (json) stdio.out(JSON.stringify({ at: new Date().toISOString(), ...stats }));
      else if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else stdio.out(line);
    },
    end: () => {
      if (tty) process.stdout.write('\n');
    },
  };
}

/** Resolves on SIGINT/SIGTERM (Ctrl-C) or after `durationMs`. */
function waitForStop(durationMs: number | undefined): { promise: Promise<void>; dispose: () => void } {
  let done: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (done = resolve));
  const timer = durationMs === undefined ? undefined : setTimeout(done, durationMs);
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  return {
    promise,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
    },
  };
}

