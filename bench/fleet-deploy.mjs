#!/usr/bin/env node
// Fleet deployment benchmark (issue 10): one deployment targeting N simulated IoT Edge devices (`@verge/simulator`,
// one process, real TLS MQTT as each device's `$edgeAgent`), timed from the deployment's creation until every device
// reported success (`$edgeAgent` lastDesiredVersion = desired $version, lastDesiredStatus 200), with the cloud
// process's CPU and RSS, on SQLite and on PostgreSQL (a fresh schema of $VERGE_TEST_PG_URL, default database `test`).
// Goals: 1,000 devices ≤ 5 s, 10,000 devices ≤ 30 s.
//
// How the deployment is created (--mode):
//   configurations  PUT /configurations/{id} with targetCondition tags.fleet='{run}' (IoT Hub automatic deployment;
//                   the cloud evaluates it and writes every device's twins); done = the simulator saw every device
//                   report success, and GET /configurations/{id} counts them all in systemMetrics.reportedSuccessfulCount
//   apply           POST /devices/{id}/applyConfigurationContent for every device (64 in flight), for a cloud without
//                   configurations; done = every device reported success
//   auto            (default) configurations when the cloud serves them, else apply
//
// Writes the fleet-deploy section of BENCHMARKS.md (--no-write: not).
//
//   npx tsc -b && node bench/fleet-deploy.mjs [--devices 1000,10000] [--db sqlite,postgres] [--mode auto] [--timeout 120] [--json] [--no-write]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient } from '@verge/api-client';
import { createServiceSasToken, parseConnectionString } from '@verge/core';
import { createFleetSimulator } from '@verge/simulator';
import { startCloudProcess } from '@verge/testkit/cloud';
import { freePort } from '@verge/testkit';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import { loadLine, machineLine, writeBenchmarkSection } from './benchmarks-file.mjs';
import { createBenchSchema, procStat } from './host-stats.mjs';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000,10000' },
    db: { type: 'string', default: 'sqlite,postgres' },
    mode: { type: 'string', default: 'auto' },
    timeout: { type: 'string', default: '120' },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const SIZES = args.devices.split(',').map(Number);
const DBS = args.db.split(',');
const TIMEOUT_MS = Number(args.timeout) * 1000;
const GOALS_MS = { 1000: 5000, 10000: 30000 };
const progress = (text) => process.stderr.write(`[fleet ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
if (!['auto', 'configurations', 'apply'].includes(args.mode)) throw new Error(`--mode ${args.mode}: expected auto, configurations or apply`);
for (const n of SIZES) if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--devices: "${args.devices}" is not a list of positive whole numbers`);
for (const db of DBS) if (db !== 'sqlite' && db !== 'postgres') throw new Error(`--db: "${db}" is not sqlite or postgres`);

async function startCloud(db, cleanups) {
  const dataDir = await mkdtemp(join(tmpdir(), 'verge-bench-fleet-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let store = {};
  if (db === 'postgres') {
    const schema = await createBenchSchema('verge_fleet');
    cleanups.push(schema.drop);
    store = { db: schema.url };
  }
  for (let attempt = 1; ; attempt++) {
    const ports = { http: await freePort(), https: await freePort(), mqtt: await freePort() };
    try {
      const proc = await startCloudProcess({ dataDir, ports, ...store, logLevel: 'error' });
      cleanups.push(async () => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
        await proc.exited;
      });
      return { proc, caPem: await readFile(join(dataDir, 'ca.pem'), 'utf8'), mqttPort: ports.mqtt };
    } catch (e) {
      if (attempt >= 3 || !/port is in use/.test(e.message)) throw e;
    }
  }
}

function owner(proc) {
  const cs = parseConnectionString(proc.serviceConnectionString);
  const token = createServiceSasToken({ hostName: cs.hostName, policyName: cs.sharedAccessKeyName, key: cs.sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + 7200 });
  return async (method, path, body) => {
    const res = await fetch(`${proc.httpUrl}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

function deployment(run) {
  const modules = {
    app: { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: `bench/app:${run}`, createOptions: '{}' } },
    filter: { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'bench/filter:1.0', createOptions: '{}' } },
  };
  return {
    modulesContent: {
      $edgeAgent: { 'properties.desired': edgeAgentDesired(modules) },
      $edgeHub: { 'properties.desired': edgeHubDesired({ up: 'FROM /messages/* INTO $upstream', f: 'FROM /messages/modules/app/* INTO BrokeredEndpoint("/modules/filter/inputs/in")' }) },
      filter: { 'properties.desired': { threshold: 25 } },
    },
  };
}

/** Polls every 50 ms until `check()` is truthy or the deadline; returns ms waited or undefined on timeout. */
async function waitUntil(check, t0, deadline) {
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The cleanups of the run in progress: a SIGINT/SIGTERM (Ctrl-C, `timeout`) still stops its cloud and drops its schema.
let running = [];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void (async () => {
      for (const cleanup of running) await cleanup().catch(() => undefined);
      process.exit(1);
    })();
  });
}

async function runOne(db, devices) {
  const cleanups = [];
  running = cleanups;
  try {
    progress(`${db}, ${devices} devices: starting the cloud`);
    const { proc, caPem, mqttPort } = await startCloud(db, cleanups);
    const pid = proc.child.pid;
    const rest = owner(proc);
    const api = createApiClient({ connectionString: proc.serviceConnectionString, baseUrl: proc.httpUrl });
    const probe = await rest('GET', '/configurations?top=1');
    const mode = args.mode === 'auto' ? (probe.status === 200 ? 'configurations' : 'apply') : args.mode;
    const run = `r${Date.now().toString(36)}`;
    const t0Register = Date.now();
    progress(`${db}, ${devices} devices: registering and connecting (${mode})`);
    // Why twin requests failed (error code → count), to tell cloud refusals from timeouts.
    const warnings = {};
    const log = { debug() {}, info() {}, warn: (o) => void (warnings[o?.err?.code ?? o?.err?.message ?? 'unknown'] = (warnings[o?.err?.code ?? o?.err?.message ?? 'unknown'] ?? 0) + 1) };
    const fleet = createFleetSimulator({ api, mqtt: { host: '127.0.0.1', port: mqttPort, ca: caPem }, devices, prefix: `${run}-`, tags: { fleet: run }, registerConcurrency: 64, connectConcurrency: 250, log });
    cleanups.unshift(() => fleet.stop());
    const ticker = setInterval(() => {
      const s = fleet.stats();
      progress(`  registered ${s.registered}, connected ${s.connected}, reported ${s.noDeployment}`);
    }, 15_000);
    await fleet.start().finally(() => clearInterval(ticker));
    const registerMs = Date.now() - t0Register;
    const baseline = fleet.stats();
    if (baseline.registered !== devices || baseline.connected !== devices) throw new Error(`only ${baseline.registered} registered / ${baseline.connected} connected of ${devices}`);
    // Every device reported "no deployment" first (the agent's first report), so later reports are the deployment's.
    const settled = await waitUntil(() => fleet.stats().noDeployment === devices, Date.now(), Date.now() + TIMEOUT_MS);
    if (settled === undefined) throw new Error(`the first reports did not settle: ${JSON.stringify(fleet.stats())}`);
    const idle = await procStat(pid);
    let peakRss = idle.rssMiB;
    const sampler = setInterval(() => void procStat(pid).then((s) => (peakRss = Math.max(peakRss, s.rssMiB)), () => undefined), 200);
    const before = await procStat(pid);
    const ownBefore = process.cpuUsage();
    const t0 = Date.now();
    const deadline = t0 + TIMEOUT_MS;
    const content = deployment(run);
    let createMs;
    if (mode === 'configurations') {
      const put = await rest('PUT', `/configurations/${run}`, { id: run, schemaVersion: '1.0', labels: {}, content, targetCondition: `tags.fleet='${run}'`, priority: 10, metrics: { queries: {} } });
      if (put.status >= 300) throw new Error(`PUT /configurations/${run} → ${put.status} ${JSON.stringify(put.body)}`);
      createMs = Date.now() - t0;
    } else {
      const ids = fleet.devices.map((d) => d.deviceId);
      let next = 0;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < ids.length) await api.applyConfigurationContent(ids[next++], content);
      }));
      createMs = Date.now() - t0;
    }
    const simulatorMs = await waitUntil(() => fleet.stats().success === devices, t0, deadline);
    let cloudMetricsMs;
    if (mode === 'configurations' && simulatorMs !== undefined) {
      // Only now: polling the metrics while the devices report would load the cloud being measured. The cloud stored
      // every report before the simulator saw its acknowledgement, so the metrics are complete at about this time.
      cloudMetricsMs = await waitUntil(async () => (await rest('GET', `/configurations/${run}`)).body?.systemMetrics?.results?.reportedSuccessfulCount === devices, t0, deadline);
    }
    const after = await procStat(pid);
    const own = process.cpuUsage(ownBefore);
    clearInterval(sampler);
    const stats = fleet.stats();
    const simulatorRssMiB = process.memoryUsage().rss / 2 ** 20;
    await fleet.stop();
    const totalMs = Math.max(simulatorMs ?? Number.NaN, cloudMetricsMs ?? 0);
    const goal = GOALS_MS[devices];
    return {
      db,
      devices,
      mode,
      registerAndConnectMs: registerMs,
      createMs,
      allReportedSuccessMs: simulatorMs ?? null,
      cloudMetricsAllSuccessMs: cloudMetricsMs ?? null,
      totalMs: Number.isNaN(totalMs) ? null : totalMs,
      goalMs: goal ?? null,
      pass: goal === undefined || Number.isNaN(totalMs) ? null : totalMs <= goal,
      cloudCpuMsDuringDeploy: after.cpuMs - before.cpuMs,
      cloudRssIdleMiB: Math.round(idle.rssMiB),
      cloudRssPeakMiB: Math.round(peakRss),
      simulatorRssMiB: Math.round(simulatorRssMiB),
      simulatorCpuMsDuringDeploy: Math.round((own.user + own.system) / 1000),
      success: stats.success,
      failed: stats.failed,
      reportsFailed: stats.reportsFailed,
      warnings,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e) => progress(`cleanup: ${e.message}`));
  }
}

const startedAt = new Date();
const loadStart = loadavg();
const results = [];
for (const db of DBS) {
  for (const devices of SIZES) {
    try {
      const r = await runOne(db, devices);
      results.push(r);
      progress(`${db}, ${devices} devices: ${r.totalMs === null ? 'TIMEOUT' : `${r.totalMs} ms`} (${r.mode}; cloud CPU ${r.cloudCpuMsDuringDeploy} ms, RSS ${r.cloudRssIdleMiB}→${r.cloudRssPeakMiB} MiB)`);
    } catch (e) {
      results.push({ db, devices, error: e.message });
      progress(`${db}, ${devices} devices: FAILED ${e.message}`);
    }
  }
}
const loadEnd = loadavg();

function tableLines() {
  const lines = [
    '| store | devices | mode | register+connect | create | all success (simulator) | metrics all success | goal | cloud CPU during deploy | cloud RSS idle → peak | simulator CPU during deploy | simulator RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.error !== undefined) {
      lines.push(`| ${r.db} | ${r.devices} | | | | **FAILED**: ${r.error} | | | | | | |`);
      continue;
    }
    const verdict = r.pass === null ? '' : r.pass ? ' pass' : ' **FAIL**';
    const ms = (v) => (v === null ? 'timeout' : `${(v / 1000).toFixed(2)} s`);
    lines.push(
      `| ${r.db} | ${r.devices} | ${r.mode} | ${ms(r.registerAndConnectMs)} | ${ms(r.createMs)} | ${ms(r.allReportedSuccessMs)} | ${r.mode === 'configurations' ? ms(r.cloudMetricsAllSuccessMs) : 'n/a'} | ${r.goalMs === null ? '' : `≤ ${r.goalMs / 1000} s${verdict}`} | ${(r.cloudCpuMsDuringDeploy / 1000).toFixed(1)} s | ${r.cloudRssIdleMiB} → ${r.cloudRssPeakMiB} MiB | ${(r.simulatorCpuMsDuringDeploy / 1000).toFixed(1)} s | ${r.simulatorRssMiB} MiB |`,
    );
  }
  return lines;
}

if (args.json) {
  console.log(JSON.stringify({ startedAt: startedAt.toISOString(), loadStart, loadEnd, results }, null, 2));
} else {
  console.log(`fleet deployment: ${machineLine()}; load ${loadLine(loadStart)} → ${loadLine(loadEnd)}`);
  for (const line of tableLines()) console.log(line);
}
if (!args['no-write']) {
  const file = await writeBenchmarkSection(
    'fleet-deploy',
    [
      '## Fleet deployment (issue 10)',
      '',
      'By `bench/fleet-deploy.mjs`: one deployment (an IoT Hub configuration targeting `tags.fleet`) to N simulated IoT Edge',
      'devices (`@verge/simulator`, one process, each device its own TLS MQTT connection as `$edgeAgent`), timed from the',
      'deployment\'s creation until every device reported success; "metrics all success" is when the cloud\'s own',
      '`systemMetrics.reportedSuccessfulCount` counted them all. Goals on this 2-core machine: 1,000 devices ≤ 5 s, 10,000 ≤ 30 s.',
      'Cloud, PostgreSQL and the simulator share the cores; registration and connection are not part of the timed figure.',
      '',
      `- command: \`${['node bench/fleet-deploy.mjs', ...process.argv.slice(2)].join(' ')}\``,
      `- date: ${startedAt.toISOString()}`,
      `- machine: ${machineLine()}; load average (1/5/15 min) at start ${loadLine(loadStart)}, at end ${loadLine(loadEnd)}`,
      '',
      ...tableLines(),
    ].join('\n'),
  );
  progress(`wrote ${file}`);
}
process.exit(results.every((r) => r.error === undefined && r.totalMs !== null) ? 0 : 1);
