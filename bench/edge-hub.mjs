#!/usr/bin/env node
// Benchmark of the edge runtime's hub (issue #4): routed module→module and module→$upstream throughput (QoS 1,
// 256 B, TLS), p50/p99 latency at 2,000 msg/s, and the runtime's RSS idle and under load, side by side with the
// local Mosquitto (127.0.0.1:1883, pre-started, plain TCP) driven by the same client code in the same run.
// The cloud and the edge runtime each run in their own process (bench/cloud-server.mjs, bench/edge-server.mjs);
// the load comes from this process. Loopback only; bounded to about three minutes.
//
//   npx tsc -b && node bench/edge-hub.mjs [--senders 4] [--window 16] [--throughput-sec 10] [--latency-sec 8]
//                                         [--rate 2000] [--json]
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient } from '../packages/api-client/dist/index.js';
import { restClient } from './cloud-load.mjs';
import { f, machine, mosquittoCpuMs, mosquittoVersion, print } from './edge-report.mjs';
import { closeAll, connectModule, connectMosquitto, nowMs, percentiles, pumpPaced, pumpThroughput, sentAt, subscribe } from './edge-load.mjs';

const { values: args } = parseArgs({
  options: {
    senders: { type: 'string', default: '4' },
    window: { type: 'string', default: '16' },
    'throughput-sec': { type: 'string', default: '10' },
    'latency-sec': { type: 'string', default: '8' },
    rate: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const SENDERS = Number(args.senders);
const WINDOW = Number(args.window);
const THROUGHPUT = { window: WINDOW, durationMs: Number(args['throughput-sec']) * 1000, warmupMs: 2000 };
const LATENCY = { ratePerSec: Number(args.rate), durationMs: Number(args['latency-sec']) * 1000 };
const EDGE_ID = 'bench-edge';
const MB = 1024 * 1024;
const DRAIN_SEC = 40;
const progress = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const built of ['apps/cloud/dist/start-cloud.js', 'apps/edge/dist/start-edge.js', 'packages/api-client/dist/index.js']) {
  if (!existsSync(new URL(`../${built}`, import.meta.url))) {
    console.error(`bench: ${built} is missing; run \`npx tsc -b\` first`);
    process.exit(1);
  }
}

/** A child process answering `rss`/`stop` over IPC after a first `ready` message. */
async function startChild(script, argv) {
  const child = fork(new URL(script, import.meta.url), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type) => new Promise((resolve) => {
    pending.push(resolve);
    child.send({ type });
  });
  const ready = await new Promise((resolve, reject) => {
    pending.push(resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return { child, ready, stats: () => request('rss'), stop: () => request('stop') };
}

const run = Date.now().toString(36);
const dir = await mkdtemp(join(tmpdir(), 'verge-bench-edge-'));
const clients = [];
let cloud;
let edge;
const result = { machine: machine(), settings: { senders: SENDERS, window: WINDOW, payloadBytes: 256, ...THROUGHPUT, latency: LATENCY }, notes: [] };

try {
  progress('starting the cloud and the edge runtime (separate processes)');
  cloud = await startChild('./edge-cloud.mjs', [join(dir, 'cloud')]);
  const { ports, httpUrl, serviceConnectionString } = cloud.ready;
  const rest = restClient(httpUrl, serviceConnectionString);
  const device = await rest('PUT', `/devices/${EDGE_ID}`, { deviceId: EDGE_ID, capabilities: { iotEdge: true } });
  const deviceKey = device.authentication.symmetricKey.primaryKey;
  edge = await startChild('./edge-server.mjs', [
    JSON.stringify({
      connectionString: `HostName=localhost;DeviceId=${EDGE_ID};SharedAccessKey=${deviceKey};GatewayHostName=localhost:${ports.mqtt}`,
      cloudCaFile: join(dir, 'cloud', 'ca.pem'),
      cloudApiUrl: `https://localhost:${ports.https}`,
      dataDir: join(dir, 'edge'),
      hostname: 'localhost',
      bindAddress: '127.0.0.1',
      mqttPort: 0,
      runtime: 'process',
      logLevel: process.env.VERGE_BENCH_LOG ?? 'warn',
    }),
  ]);
  const { port, edgeCaPem } = edge.ready;

  const m2mSources = Array.from({ length: SENDERS }, (_, i) => `msrc${i}`);
  const upSources = Array.from({ length: SENDERS }, (_, i) => `usrc${i}`);
  const moduleIds = [...m2mSources, 'msink', ...upSources];
  await rest('POST', `/devices/${EDGE_ID}/applyConfigurationContent`, deployment(m2mSources, upSources));
  progress(`deployment applied (${moduleIds.length} module identities, ${SENDERS * 2} routes); connecting module clients over TLS`);
  const keys = Object.fromEntries(
    await Promise.all(moduleIds.map(async (m) => [m, (await waitFor(() => rest('GET', `/devices/${EDGE_ID}/modules/${m}`), `identity ${m}`)).authentication.symmetricKey.primaryKey])),
  );
  const connect = (moduleId) => waitFor(() => connectModule({ port, caPem: edgeCaPem, edgeId: EDGE_ID, moduleId, key: keys[moduleId] }), `module ${moduleId} to connect`);
  const sink = await connect('msink');
  clients.push(sink);
  let sinkReceived = 0;
  let sinkLatencies;
  sink.on('message', (_topic, payload) => {
    sinkReceived += 1;
    sinkLatencies?.push(nowMs() - sentAt(payload));
  });
  await subscribe(sink, `devices/${EDGE_ID}/modules/msink/inputs/#`);
  const m2mSenders = [];
  for (const m of m2mSources) m2mSenders.push({ client: await connect(m), topic: `devices/${EDGE_ID}/modules/${m}/messages/events/%24.on=out` });
  const upSenders = [];
  for (const m of upSources) upSenders.push({ client: await connect(m), topic: `devices/${EDGE_ID}/modules/${m}/messages/events/%24.on=out` });
  clients.push(...m2mSenders.map((s) => s.client), ...upSenders.map((s) => s.client));

  const cloudSeq = async () => (await rest('GET', `/messages?deviceId=${EDGE_ID}&limit=1`))[0]?.sequenceNumber ?? 0;
  progress('waiting for the routes (a probe must reach the sink and the cloud)');
  await waitFor(async () => {
    m2mSenders[0].client.publish(m2mSenders[0].topic, 'probe', { qos: 1 });
    upSenders[0].client.publish(upSenders[0].topic, Buffer.alloc(8), { qos: 1 });
    await sleep(300);
    return sinkReceived > 0 && (await cloudSeq()) > 0 ? true : undefined;
  }, 'the routes to deliver a probe');

  await sleep(3000);
  const idle = await edge.stats();
  result.rssIdleMB = idle.rss / MB;
  progress(`runtime RSS idle (hub, agent, workload API; ${clients.length} clients connected): ${f(result.rssIdleMB)} MB`);

  let rssPeak = idle.rss;
  const sample = () => void edge.stats().then((s) => (rssPeak = Math.max(rssPeak, s.rss)));
  const withCpu = async (fn) => {
    const before = await edge.stats();
    const mosqBefore = await mosquittoCpuMs();
    const t0 = Date.now();
    const r = await fn();
    const after = await edge.stats();
    const seconds = (Date.now() - t0) / 1000;
    const runtimeCpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000 / (seconds * 1000);
    return { ...r, runtimeCpuPercent: runtimeCpu * 100, mosquittoCpuPercent: ((await mosquittoCpuMs()) - mosqBefore) / (seconds * 10) };
  };

  // Mosquitto clients first: the latency phases compare against it.
  const mosqSub = await connectMosquitto(`verge-bench-sub-${run}`);
  let mosqReceived = 0;
  let mosqLatencies;
  mosqSub.on('message', (_t, payload) => {
    mosqReceived += 1;
    mosqLatencies?.push(nowMs() - sentAt(payload));
  });
  await subscribe(mosqSub, `verge-bench/${run}/m2m/#`);
  const mosqSenders = [];
  for (let i = 0; i < SENDERS; i++) mosqSenders.push({ client: await connectMosquitto(`verge-bench-pub-${run}-${i}`), i });
  clients.push(mosqSub, ...mosqSenders.map((s) => s.client));

  // Latency first, on a system without backlog: one sender paced at the rate, for each path.
  progress(`latency at ${LATENCY.ratePerSec} msg/s, ${LATENCY.durationMs / 1000} s each: module→module, module→$upstream (PUBACK and cloud arrival), Mosquitto pub→sub`);
  sinkLatencies = [];
  const sentBefore = sinkReceived;
  const m2mPaced = await pumpPaced(m2mSenders[0], { ...LATENCY });
  const m2mSent = m2mPaced.sent;
  // Messages still queued for the sink when the sender stops are part of the latency: wait for them (bounded).
  await waitFor(() => (sinkReceived - sentBefore >= m2mSent ? true : undefined), 'the sink to receive the paced messages', 60_000, 200).catch(() =>
    result.notes.push(`module→module at ${LATENCY.ratePerSec} msg/s: the sink had ${sinkReceived - sentBefore} of ${m2mSent} messages 60 s after the sender stopped`),
  );
  result.latencyModuleToModule = { delivery: percentiles(sinkLatencies.slice(Math.floor(LATENCY.ratePerSec))), puback: percentiles(m2mPaced.ackLatencies), skipped: m2mPaced.skipped, achievedPerSec: m2mPaced.achievedPerSec };
  sinkLatencies = undefined;

  progress('module→$upstream at the same rate: PUBACK and arrival in the cloud (SSE /events, enqueuedTime)');
  const cloudLatencies = [];
  const abort = new AbortController();
  const api = createApiClient({ connectionString: serviceConnectionString, baseUrl: httpUrl });
  const lastSeq = await cloudSeq();
  const streaming = (async () => {
    for await (const m of api.events({ deviceId: EDGE_ID }, { signal: abort.signal, lastEventId: String(lastSeq) })) {
      const sent = m.body.length >= 8 ? Buffer.from(m.body.buffer, m.body.byteOffset, m.body.length).readDoubleLE(0) : NaN;
      if (Number.isFinite(sent) && sent > 0) cloudLatencies.push(Date.parse(m.enqueuedTime) - sent);
    }
  })().catch(() => undefined);
  const upPaced = await pumpPaced(upSenders[0], { ...LATENCY });
  const upSent = upPaced.sent;
  await waitFor(() => (cloudLatencies.length >= upSent ? true : undefined), 'the paced messages in the cloud', 30_000, 200).catch(() =>
    result.notes.push(`module→$upstream at ${LATENCY.ratePerSec} msg/s: ${cloudLatencies.length} of ${upSent} messages seen in the cloud 30 s after the sender stopped`),
  );
  abort.abort();
  await streaming;
  result.latencyModuleToUpstream = { puback: percentiles(upPaced.ackLatencies), cloudArrival: percentiles(cloudLatencies.slice(Math.floor(LATENCY.ratePerSec))), skipped: upPaced.skipped, achievedPerSec: upPaced.achievedPerSec };

  mosqLatencies = [];
  const mosqPaced = await pumpPaced({ client: mosqSenders[0].client, topic: `verge-bench/${run}/m2m/lat` }, { ...LATENCY });
  await sleep(500);
  result.latencyMosquitto = { delivery: percentiles(mosqLatencies.slice(Math.floor(LATENCY.ratePerSec))), puback: percentiles(mosqPaced.ackLatencies), skipped: mosqPaced.skipped, achievedPerSec: mosqPaced.achievedPerSec };
  mosqLatencies = undefined;

  progress('Mosquitto 127.0.0.1:1883 with the same client code: pub→sub and publish-only, same senders and window');
  result.mosquittoPubSub = await withCpu(() =>
    pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/m2m/${s.i}` })), { ...THROUGHPUT, delivered: () => mosqReceived }),
  );
  result.mosquittoPublishOnly = await withCpu(() => pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/nobody/${s.i}` })), THROUGHPUT));

  progress(`module→module: ${SENDERS} senders × window ${WINDOW} → one sink, ${THROUGHPUT.durationMs / 1000} s`);
  result.moduleToModule = await withCpu(() => pumpThroughput(m2mSenders, { ...THROUGHPUT, delivered: () => sinkReceived, onSample: sample }));
  // The sink leaves: what the hub acknowledged but has not delivered yet stays stored and no longer competes with
  // the next phase for the CPU.
  result.moduleToModule.backlogLeftStored = (await edge.stats()).hub.counters.stored - sinkReceived;
  await new Promise((r) => sink.end(true, {}, r));
  await sleep(1000);

  // Last, because the hub acknowledges faster than one cloud process takes messages in: the backlog it leaves
  // drains in the background and would disturb any later phase.
  progress(`module→$upstream: ${SENDERS} senders × window ${WINDOW}, ${THROUGHPUT.durationMs / 1000} s, then until the backlog has drained (≤ ${DRAIN_SEC} s; cloud arrivals counted by sequence number)`);
  const upFrom = await cloudSeq();
  const upT0 = Date.now();
  result.moduleToUpstream = await withCpu(() => pumpThroughput(upSenders, { ...THROUGHPUT, delivered: cloudSeq, onSample: sample }));
  const drainFrom = await cloudSeq();
  const drainStart = Date.now();
  const upstreamState = async () => (await edge.stats()).hub.endpoints.find((e) => e.endpointId === '$upstream');
  while (Date.now() - drainStart < DRAIN_SEC * 1000 && (await upstreamState())?.state !== 'idle') {
    sample();
    await sleep(250);
  }
  const drainEnd = Date.now();
  const cloudEnd = await cloudSeq();
  result.moduleToUpstream.drainPerSec = (cloudEnd - drainFrom) / Math.max(0.001, (drainEnd - drainStart) / 1000);
  result.moduleToUpstream.drainSec = (drainEnd - drainStart) / 1000;
  result.moduleToUpstream.drained = (await upstreamState())?.state === 'idle';
  // Everything the senders sent, from the first publish until the cloud had the last one (or the bound).
  result.moduleToUpstream.endToEndPerSec = (cloudEnd - upFrom) / ((drainEnd - upT0) / 1000);
  const hub = (await edge.stats()).hub;
  result.moduleToUpstream.hubCounters = hub.counters;

  result.rssUnderLoadMB = rssPeak / MB;
  result.mosquittoVersion = await mosquittoVersion();
  result.ratios = {
    moduleToModuleVsMosquittoPubSub: result.moduleToModule.deliveredPerSec / result.mosquittoPubSub.deliveredPerSec,
    upstreamAckedVsMosquittoPublishOnly: result.moduleToUpstream.ackedPerSec / result.mosquittoPublishOnly.ackedPerSec,
    upstreamEndToEndVsMosquittoPubSub: result.moduleToUpstream.endToEndPerSec / result.mosquittoPubSub.deliveredPerSec,
  };
  result.notes.push(
    'Verge: MQTT over TLS 1.3, SAS-authenticated module identities, every message persisted (SQLite, group commit) before its PUBACK; Mosquitto: plain TCP, anonymous, no persistence (how it is pre-started here).',
    'module→$upstream "acked" is the rate the hub accepted and stored; "cloud received" is what reached the cloud in the same window over the upstream links (one MQTT/TLS connection per sending identity).',
    'All processes (cloud, edge runtime, this load generator, Mosquitto) share the same cores.',
  );
  print(result, { json: args.json, drainSec: DRAIN_SEC });
} finally {
  await closeAll(clients).catch(() => undefined);
  await edge?.stop().catch(() => undefined);
  await cloud?.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

function deployment(m2mSources, upSources) {
  // Module identities only: the load generator connects as these modules, so none is started (status stopped).
  const idle = { version: '1.0', type: 'process', status: 'stopped', restartPolicy: 'never', startupOrder: 1, settings: { command: process.execPath, args: ['-e', ''] } };
  const routes = {};
  for (const m of m2mSources) routes[`${m}ToSink`] = `FROM /messages/modules/${m}/outputs/* INTO BrokeredEndpoint("/modules/msink/inputs/in")`;
  for (const m of upSources) routes[`${m}ToCloud`] = `FROM /messages/modules/${m}/outputs/* INTO $upstream`;
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { registryCredentials: {} } },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
            edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' } },
          },
          modules: Object.fromEntries([...m2mSources, 'msink', ...upSources].map((m) => [m, idle])),
        },
      },
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } },
    },
  };
}

async function waitFor(fn, what, timeoutMs = 60_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}
