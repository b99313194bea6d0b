import { readFile, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isVergeError } from '@verge/contracts';
import { createSasToken, deviceResource } from '@verge/core';
import { defaultReserveBytes } from '@verge/platform';
import { checkCloudCredentials } from '../cloud-check.js';
import { readInstalledEdgeConfig } from '../config-file.js';
import { parseEdgeConfig, type EdgeConfig } from '../config.js';
import { pingDockerEngine } from '../docker-ping.js';
import { EDGE_CA_RENEW_BEFORE_DAYS, edgeCaPaths } from '../edge-ca.js';
import { serverCertCachePaths } from '../hub/tls/server-cert-cache.js';
import { dockerPingTargetOf } from '../module-runtimes.js';
import { checkCertificateFile } from './certificate-check.js';
import { checkReport, type CheckReport, type CheckResult } from './check-result.js';
import { readCloudClock } from './cloud-clock.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What `verge edge check` checks and with which thresholds (tests inject them; the CLI sets a few by flag). */
export interface EdgeCheckOptions {
  /** The runtime's data directory (`--data`). */
  readonly dataDir: string;
  /** The environment (DOCKER_HOST, $VERGE_EDGE_CONNECTION_STRING); default `process.env`. */
  readonly env?: Env;
  readonly nowMs?: () => number;
  /** Whether a runtime is running on this data directory: undefined when it answers, else why not. Absent: skipped. */
  readonly runtimeProbe?: () => Promise<string | undefined>;
  /** Free bytes below which the disk check warns; default the store's bound (`--store-max-bytes`), at most 10% of the disk. */
  readonly diskWarnBelowBytes?: number;
  /** Free bytes below which it fails; default the hub's disk reserve (below it new messages are refused). */
  readonly diskFailBelowBytes?: number;
  /** Clock skew against the cloud that warns (default 30 s) and fails (default 5 min: SAS tokens and certificates). */
  readonly clockWarnMs?: number;
  readonly clockFailMs?: number;
  /** Timeout of each network check (default 5 s). */
  readonly timeoutMs?: number;
}

const MIB = 1024 * 1024;
const fmtBytes = (n: number): string => (n >= 1024 * MIB ? `${(n / 1024 / MIB).toFixed(1)} GiB` : `${(n / MIB).toFixed(0)} MiB`);

/**
 * Runs every check of `verge edge check` (as `iotedge check`, reference §8): configuration, data directory, runtime,
 * certificates and their expiry, container engine, cloud reachability and credentials, clock, disk space for the
 * store. Never throws for what it checks: each problem is a `fail` or `warn` result naming it and the fix.
 */
export async function runEdgeChecks(o: EdgeCheckOptions): Promise<CheckReport> {
  const nowMs = o.nowMs ?? Date.now;
  const dataDir = resolve(o.dataDir);
  const checks: CheckResult[] = [];
  const { result: configResult, config } = await checkConfig(dataDir, o.env ?? process.env);
  checks.push(configResult);
  checks.push(await checkDataDir(dataDir));
  if (o.runtimeProbe !== undefined) checks.push(await checkRuntime(o.runtimeProbe, dataDir));
  checks.push(
    await checkCertificateFile({
      id: 'edge-ca-certificate-expiry',
      title: 'edge CA certificate',
      path: edgeCaPaths(dataDir).cert,
      warnDays: EDGE_CA_RENEW_BEFORE_DAYS,
      nowMs: nowMs(),
      renew: 'restart the edge runtime: it replaces an edge CA that expires within 30 days (leaf devices must then trust the new pki/edge-ca.pem)',
      whenMissing: { status: 'pass', detail: 'not created yet: the edge runtime creates it at its first start' },
    }),
    await checkCertificateFile({
      id: 'edge-hub-server-certificate-expiry',
      title: 'edge hub server certificate',
      path: serverCertCachePaths(join(dataDir, 'hub')).cert,
      warnDays: 1,
      nowMs: nowMs(),
      renew: 'restart the edge runtime: the hub issues a new server certificate from the edge CA',
      whenMissing: { status: 'pass', detail: 'not issued yet: the edge hub issues it at its first start' },
    }),
  );
  if (config === undefined) {
    for (const [id, title] of [['cloud-ca-certificate', 'cloud CA certificate'], ['container-engine', 'container engine'], ['cloud-reachable', 'cloud reachability and credentials'], ['clock', 'clock'], ['store-disk-space', 'disk space for the message store']] as const) {
      checks.push({ id, title, status: 'skip', detail: 'needs a valid configuration (see config-well-formed)' });
    }
    return checkReport(checks, nowMs());
  }
  checks.push(
    config.cloudCaFile === undefined
      ? { id: 'cloud-ca-certificate', title: 'cloud CA certificate', status: 'pass', detail: "no --cloud-ca: the cloud's certificate is checked against the system CAs" }
      : await checkCertificateFile({
          id: 'cloud-ca-certificate',
          title: 'cloud CA certificate',
          path: config.cloudCaFile,
          warnDays: 7,
          nowMs: nowMs(),
          renew: "install the cloud's current CA certificate and point cloudCaFile (--cloud-ca) at it",
          whenMissing: { status: 'fail', detail: `--cloud-ca ${config.cloudCaFile} does not exist`, fix: "copy the cloud's ca.pem to this device and set cloudCaFile (--cloud-ca) to it" },
        }),
  );
  const timeoutMs = o.timeoutMs ?? 5_000;
  const cloudCa = await readFile(config.cloudCaFile ?? '', 'utf8').catch(() => undefined);
  const [engine, cloud, clock, disk] = await Promise.all([
    checkEngine(config, timeoutMs),
    checkCloud(config, cloudCa, timeoutMs, nowMs),
    checkClock(config, cloudCa, timeoutMs, nowMs, o.clockWarnMs ?? 30_000, o.clockFailMs ?? 300_000),
    checkDisk(config, o.diskWarnBelowBytes, o.diskFailBelowBytes),
  ]);
  checks.push(engine, cloud, clock, disk);
  return checkReport(checks, nowMs());
}

async function checkConfig(dataDir: string, env: Env): Promise<{ result: CheckResult; config?: Readonly<EdgeConfig> }> {
  const base = { id: 'config-well-formed', title: 'configuration' };
  try {
    const file = await readInstalledEdgeConfig(dataDir);
    const config = parseEdgeConfig({ dataDir }, env, file);
    const from = file === undefined ? 'no installed config file; connection string from the environment' : file.path;
    return { result: { ...base, status: 'pass', detail: `edge device '${config.device.deviceId}' of ${config.device.hubHostName} (${from})` }, config };
  } catch (e) {
    if (!isVergeError(e)) throw e;
    return { result: { ...base, status: 'fail', detail: e.message, fix: 'write a config file and install it: verge edge config apply --config FILE --data DIR' } };
  }
}

async function checkDataDir(dataDir: string): Promise<CheckResult> {
  const base = { id: 'data-dir', title: 'data directory' };
  const s = await stat(dataDir).catch((e: NodeJS.ErrnoException) => e);
  if (s instanceof Error) {
    if (s.code === 'ENOENT') return { ...base, status: 'warn', detail: `${dataDir} does not exist yet`, fix: 'verge edge config apply --config FILE --data DIR creates it; or check --data' };
    return { ...base, status: 'fail', detail: `${dataDir} cannot be read: ${s.message}`, fix: 'run as the user that runs the edge runtime' };
  }
  if (!s.isDirectory()) return { ...base, status: 'fail', detail: `${dataDir} is not a directory`, fix: 'move the file aside or choose another --data' };
  if ((s.mode & 0o077) !== 0) return { ...base, status: 'warn', detail: `${dataDir} is readable by other users (mode ${(s.mode & 0o777).toString(8)}): it holds keys`, fix: `chmod 700 ${dataDir}` };
  return { ...base, status: 'pass', detail: `${dataDir} (mode 700)` };
}

async function checkRuntime(probe: () => Promise<string | undefined>, dataDir: string): Promise<CheckResult> {
  const base = { id: 'runtime-running', title: 'edge runtime' };
  const why = await probe();
  if (why === undefined) return { ...base, status: 'pass', detail: `running on ${dataDir} (its management API answers)` };
  return { ...base, status: 'warn', detail: `not running on ${dataDir}: ${why}`, fix: `verge edge start --data ${dataDir}` };
}

async function checkEngine(config: EdgeConfig, timeoutMs: number): Promise<CheckResult> {
  const base = { id: 'container-engine', title: 'container engine' };
  if (config.runtime === 'process') return { ...base, status: 'pass', detail: 'not used (--runtime process): modules run as processes' };
  // Without a Docker engine, `auto` still runs process modules: a warning; `--runtime docker` cannot run its modules.
  const missing = config.runtime === 'docker' ? 'fail' : 'warn';
  const fix = `start the Docker engine (systemctl start docker) or fix DOCKER_HOST${config.runtime === 'auto' ? '; without one only process modules run' : ''}`;
  if (config.docker.kind === 'unsupported') return { ...base, status: missing, detail: config.docker.reason, fix };
  let problem: string | undefined;
  try {
    problem = await pingDockerEngine(await dockerPingTargetOf(config.docker), Math.min(timeoutMs, 3_000));
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem === undefined) return { ...base, status: 'pass', detail: `the Docker engine answers at ${config.docker.description}` };
  return { ...base, status: missing, detail: `the Docker engine at ${config.docker.description} does not answer: ${problem}`, fix };
}

async function checkCloud(config: EdgeConfig, cloudCa: string | undefined, timeoutMs: number, nowMs: () => number): Promise<CheckResult> {
  const base = { id: 'cloud-reachable', title: 'cloud reachability and credentials' };
  const { hubHostName, deviceId, sharedAccessKey } = config.device;
  try {
    const authorization = createSasToken({ resource: deviceResource(hubHostName, deviceId), key: sharedAccessKey, expirySec: Math.floor(nowMs() / 1000) + 300 });
    const r = await checkCloudCredentials({ baseUrl: config.cloudApiUrl, deviceId, authorization, deviceKey: sharedAccessKey, ca: cloudCa, caFile: config.cloudCaFile, timeoutMs });
    if (r.kind === 'verified') return { ...base, status: 'pass', detail: `${config.cloudApiUrl} accepted the credentials of '${deviceId}'` };
    return { ...base, status: 'warn', detail: `the cloud does not answer: ${r.reason}; the runtime works offline meanwhile`, fix: 'check the network, the firewall and cloudApiUrl (--cloud-api)' };
  } catch (e) {
    if (!isVergeError(e)) throw e;
    return { ...base, status: 'fail', detail: e.message, fix: e.code === 'EDGE_CLOUD_TLS_UNTRUSTED' ? "set cloudCaFile (--cloud-ca) to the cloud's CA certificate" : 'install the right connection string: verge edge config apply --config FILE' };
  }
}

async function checkClock(config: EdgeConfig, cloudCa: string | undefined, timeoutMs: number, nowMs: () => number, warnMs: number, failMs: number): Promise<CheckResult> {
  const base = { id: 'clock', title: 'clock' };
  const cloud = await readCloudClock(config.cloudApiUrl, cloudCa, timeoutMs, nowMs);
  if (cloud === undefined) return { ...base, status: 'skip', detail: 'cannot compare with the cloud: it does not answer' };
  const skew = Math.abs(cloud.skewMs);
  const text = `${cloud.skewMs >= 0 ? 'ahead of' : 'behind'} the cloud by ${(skew / 1000).toFixed(1)} s`;
  const fix = 'synchronise the clock (NTP: timedatectl set-ntp true); SAS tokens and certificates are checked against it';
  if (skew >= failMs) return { ...base, status: 'fail', detail: `this device's clock is ${text}`, fix };
  if (skew >= warnMs) return { ...base, status: 'warn', detail: `this device's clock is ${text}`, fix };
  return { ...base, status: 'pass', detail: `within ${Math.max(1, Math.ceil(skew / 1000))} s of the cloud's` };
}

async function checkDisk(config: EdgeConfig, warnBelow: number | undefined, failBelow: number | undefined): Promise<CheckResult> {
  const base = { id: 'store-disk-space', title: 'disk space for the message store' };
  // The store lives in the data directory; before the first start the nearest existing parent tells the file system.
  let dir = config.dataDir;
  let fs;
  for (;;) {
    fs = await statfs(dir).catch(() => undefined);
    if (fs !== undefined || dir === resolve(dir, '..')) break;
    dir = resolve(dir, '..');
  }
  if (fs === undefined) return { ...base, status: 'fail', detail: `cannot read the file system of ${config.dataDir}`, fix: 'check --data' };
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  const fail = failBelow ?? defaultReserveBytes(total);
  const warn = warnBelow ?? Math.min(config.storeMaxBytes, Math.floor(total * 0.1));
  const detail = `${fmtBytes(free)} free of ${fmtBytes(total)} on the file system of ${dir}`;
  if (free < fail) return { ...base, status: 'fail', detail: `${detail}: below the hub's reserve of ${fmtBytes(fail)}, so new messages are refused`, fix: 'free disk space, or move --data to a larger disk' };
  if (free < warn) return { ...base, status: 'warn', detail: `${detail}: below ${fmtBytes(warn)}; the store (bound ${fmtBytes(config.storeMaxBytes)}) may not fit while offline`, fix: 'free disk space, or lower --store-max-bytes' };
  return { ...base, status: 'pass', detail };
}
