#!/usr/bin/env node
// Benchmark of one cloud process (issue #3): how many connected devices it holds, sustained QoS 1 telemetry
// (256 B) in msgs/s, and its RSS idle and under load; the same telemetry load against the local Mosquitto
// (127.0.0.1:1883) in the same run, as a peer. Loopback only; bounded to about three minutes.
//
//   npx tsc -b && node bench/cloud-devices.mjs [--stages 2000,5000,10000] [--connect-budget-sec 75]
//                                              [--telemetry-clients 100] [--window 8] [--telemetry-sec 12] [--json]
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAll, connectCloudDevice, connectMosquitto, pool, pumpTelemetry, registerDevices, restClient } from './cloud-load.mjs';

const { values: args } = parseArgs({
  options: {
    stages: { type: 'string', default: '2000,5000,10000' },
    'connect-budget-sec': { type: 'string', default: '75' },
    'telemetry-clients': { type: 'string', default: '100' },
    window: { type: 'string', default: '8' },
    'telemetry-sec': { type: 'string', default: '12' },
    json: { type: 'boolean', default: false },
  },
});
const stages = args.stages.split(',').map(Number);
const KEY = Buffer.alloc(32, 42).toString('base64');
const MB = 1024 * 1024;
const telemetryOptions = { payloadBytes: 256, window: Number(args.window), durationMs: Number(args['telemetry-sec']) * 1000, warmupMs: 2000 };

if (!existsSync(new URL('../apps/cloud/dist/start-cloud.js', import.meta.url))) {
  console.error('bench: apps/cloud/dist is missing; run `npx tsc -b` first');
  process.exit(1);
}

/** The cloud in a child process, driven over IPC. */
async function startCloudProcess(dataDir) {
  const child = fork(new URL('./cloud-server.mjs', import.meta.url), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type) => new Promise((resolve) => {
    pending.push(resolve);
    child.send({ type });
  });
  const ready = await new Promise((resolve, reject) => {
    pending.push(resolve);
    child.once('exit', (code) => reject(new Error(`cloud process exited with ${code}`)));
  });
  return { child, ready, rss: async () => (await request('rss')).rss, stop: () => request('stop') };
}

async function connectStage(cloud, ids, from, to, deadline, clients) {
  const started = Date.now();
  let failed = 0;
  await pool(ids.slice(from, to), 256, deadline, async (id) => {
    try {
      clients.push(await connectCloudDevice(cloud.ready.ports.mqtt, cloud.ready.caPem, id, KEY));
    } catch {
      failed += 1;
    }
  });
  return { seconds: (Date.now() - started) / 1000, failed };
}

async function main() {
  const results = { stages: [], notes: [] };
  const dataDir = await mkdtemp(join(tmpdir(), 'verge-bench-cloud-'));
  const cloud = await startCloudProcess(dataDir);
  const clients = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    results.rssIdleMB = (await cloud.rss()) / MB;
    const ids = Array.from({ length: Math.max(...stages) }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    const rest = restClient(cloud.ready.httpUrl, cloud.ready.serviceConnectionString);
    const regStart = Date.now();
    const registered = await registerDevices(rest, ids, KEY, Date.now() + 40_000);
    results.registration = { devices: registered, perSec: registered / ((Date.now() - regStart) / 1000) };

    const deadline = Date.now() + Number(args['connect-budget-sec']) * 1000;
    for (const target of stages.filter((s) => s <= registered)) {
      if (Date.now() >= deadline) break;
      const { seconds, failed } = await connectStage(cloud, ids, clients.length, target, deadline, clients);
      await new Promise((r) => setTimeout(r, 1000));
      results.stages.push({ target, connected: clients.length, failed, connectSec: seconds, connectsPerSec: (target - (results.stages.at(-1)?.target ?? 0)) / seconds, rssMB: (await cloud.rss()) / MB });
      if (clients.length < target) break; // budget or capacity reached
    }
    results.maxConnected = clients.length;
    results.rssConnectedIdleMB = (await cloud.rss()) / MB;

    const n = Math.min(Number(args['telemetry-clients']), clients.length);
    let peak = 0;
    const sample = () => void cloud.rss().then((r) => (peak = Math.max(peak, r)));
    const cloudRun = await pumpTelemetry(clients.slice(0, n), (i) => `devices/${ids[i]}/messages/events/`, { ...telemetryOptions, onSample: sample });
    results.cloudTelemetry = { clients: n, ...cloudRun, rssPeakMB: peak / MB };
    await closeAll(clients.splice(0));

    const peers = await pool(Array.from({ length: n }, (_, i) => `bench-peer-${i}`), 100, Number.POSITIVE_INFINITY, (id) => connectMosquitto(id));
    const peerRun = await pumpTelemetry(peers, (i) => `devices/${ids[i]}/messages/events/`, telemetryOptions);
    results.mosquittoTelemetry = { clients: n, ...peerRun };
    results.ratioCloudToMosquitto = cloudRun.msgsPerSec / peerRun.msgsPerSec;
    await closeAll(peers);
  } finally {
    await closeAll(clients);
    await cloud.stop().catch(() => undefined);
    cloud.child.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
  results.notes.push(
    'cloud: MQTT over TLS (ECDSA P-256), SAS-authenticated, every message persisted to SQLite before PUBACK and fanned out to the event bus',
    'mosquitto: plain TCP, anonymous, no subscribers, in-memory until its periodic autosave',
    'load generator (mqtt.js) and both brokers share the same machine and cores',
  );
  return results;
}

const r = await main();
if (args.json) {
  console.log(JSON.stringify(r, null, 2));
} else {
  const f = (x, d = 0) => x.toFixed(d);
  console.log(`cloud RSS idle (no devices): ${f(r.rssIdleMB)} MB`);
  console.log(`device registration over REST: ${r.registration.devices} devices at ${f(r.registration.perSec)}/s`);
  for (const s of r.stages) {
    console.log(`connected ${s.connected}/${s.target} devices (+${f(s.connectsPerSec)}/s over ${f(s.connectSec, 1)} s, ${s.failed} failed): RSS ${f(s.rssMB)} MB`);
  }
  console.log(`cloud RSS with ${r.maxConnected} idle devices: ${f(r.rssConnectedIdleMB)} MB`);
  console.log(`telemetry QoS1 256 B, ${r.cloudTelemetry.clients} clients × window ${args.window}: cloud ${f(r.cloudTelemetry.msgsPerSec)} msgs/s (RSS peak ${f(r.cloudTelemetry.rssPeakMB)} MB, ${r.cloudTelemetry.errors} errors)`);
  console.log(`same load on Mosquitto 127.0.0.1:1883: ${f(r.mosquittoTelemetry.msgsPerSec)} msgs/s → cloud/mosquitto = ${f(r.ratioCloudToMosquitto, 2)}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}
