#!/usr/bin/env node
// Benchmark of the edge runtime's hub (issues #4, #8): routed module→module and module→$upstream throughput (QoS 1,
// 256 B, TLS), p50/p99 latency at 2,000 msg/s, and the runtime's RSS idle and under load, side by side with
// a private Mosquitto 2 on TLS (bench/mosquitto-tls.mjs) driven by the same client code in the same run.
// The cloud and the edge runtime each run in their own process (bench/cloud-server.mjs, bench/edge-server.mjs);
// the load comes from this process. Loopback only; then a restart with 100k stored messages;
// writes BENCHMARKS.md at the repository root (--no-write: not). About five minutes.
//
//   npx tsc -b && node bench/edge-hub.mjs [--senders 4] [--window 16] [--throughput-sec 10] [--latency-sec 8] [--nodelay]
//                                         [--rate 2000] [--restart-messages 100000] [--json] [--no-write]
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient } from '../packages/api-client/dist/index.js';
import { restClient } from './cloud-load.mjs';
import { f, machine, mosquittoVersion, pidCpuMs, print } from './edge-report.mjs';
import { freePort, startMosquittoTls } from './mosquitto-tls.mjs';
import { writeBenchmarksMd } from './edge-markdown.mjs';
import { closeAll, connectModule, connectMosquitto, nowMs, percentiles, pumpCount, pumpPaced, pumpThroughput, sentAt, subscribe } from './edge-load.mjs';

const { values: args } = parseArgs({
  options: {
    senders: { type: 'string', default: '4' },
    window: { type: 'string', default: '16' },
    'throughput-sec': { type: 'string', default: '10' },
    'latency-sec': { type: 'string', default: '8' },
    rate: { type: 'string', default: '2000' },
    'restart-messages': { type: 'string', default: '100000' },
    'no-write': { type: 'boolean', default: false },
    nodelay: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
if (args.nodelay) process.env.VERGE_BENCH_NODELAY = '1';
const SENDERS = Number(args.senders);
const WINDOW = Number(args.window);
const THROUGHPUT = { window: WINDOW, durationMs: Number(args['throughput-sec']) * 1000, warmupMs: 2000 };
const LATENCY = { ratePerSec: Number(args.rate), durationMs: Number(args['latency-sec']) * 1000 };
const EDGE_ID = 'bench-edge';
const MB = 1024 * 1024;
const DRAIN_SEC = 40;
const RESTART_MESSAGES = Number(args['restart-messages']);
const RESTART_DRAIN_SEC = 120;
const progress = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const built of ['apps/cloud/dist/start-cloud.js', 'apps/edge/dist/start-edge.js', 'packages/api-client/dist/index.js']) {
  if (!existsSync(new URL(`../${built}`, import.meta.url))) {
    console.error(`bench: ${built} is missing; run \`npx tsc -b\` first`);
    process.exit(1);
  }
}

/**
 * A child process answering `rss`/`stop` over IPC after a first `ready` message. With `probe`, a sink module client
 * keeps trying to connect from the fork on (`sink` resolves with it and the time of its CONNACK).
 */
async function startChild(script, argv, { probe = false } = {}) {
  // VERGE_BENCH_EDGE_EXEC_ARGV (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the edge runtime's process only.
  const execArgv = script.includes('edge-server') ? (process.env.VERGE_BENCH_EDGE_EXEC_ARGV ?? '').split(' ').filter(Boolean) : [];
  const child = fork(new URL(script, import.meta.url), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type) => new Promise((resolve) => {
    pending.push(resolve);
    child.send({ type });
  });
  const sink = probe ? connectWhenUp() : undefined;
  const ready = await new Promise((resolve, reject) => {
    pending.push((m) => resolve({ ...m, readyAt: Date.now() }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return { child, ready, sink, stats: () => request('rss'), stop: () => request('stop') };
}

const run = Date.now().toString(36);
const dir = await mkdtemp(join(tmpdir(), 'verge-bench-edge-'));
const clients = [];
let cloud;
let edge;
let mosquitto;
/** Where the restart phase's sink connects (set once the identities exist). */
let probeTarget;
/** What the restart phase's sink received (counted from its CONNECT on: the kept session delivers at once). */
const restartSink = { received: 0, lastAt: 0 };
const startedAt = new Date();
const result = { machine: machine(), loadAverageAtStart: loadavg(), settings: { senders: SENDERS, window: WINDOW, clientNoDelay: args.nodelay, payloadBytes: 256, ...THROUGHPUT, latency: LATENCY }, notes: [] };

try {
  progress('starting the cloud and the edge runtime (separate processes)');
  cloud = await startChild('./edge-cloud.mjs', [join(dir, 'cloud')]);
  const { ports, httpUrl, serviceConnectionString } = cloud.ready;
  const rest = restClient(httpUrl, serviceConnectionString);
  const device = await rest('PUT', `/devices/${EDGE_ID}`, { deviceId: EDGE_ID, capabilities: { iotEdge: true } });
  const deviceKey = device.authentication.symmetricKey.primaryKey;
  // A fixed port: the restart phase reconnects to the same one.
  const edgeConfig = {
      connectionString: `HostName=localhost;DeviceId=${EDGE_ID};SharedAccessKey=${deviceKey};GatewayHostName=localhost:${ports.mqtt}`,
      cloudCaFile: join(dir, 'cloud', 'ca.pem'),
      cloudApiUrl: `https://localhost:${ports.https}`,
      dataDir: join(dir, 'edge'),
      hostname: 'localhost',
      bindAddress: '127.0.0.1',
      mqttPort: await freePort(),
      httpsPort: 0,
      runtime: 'process',
      logLevel: process.env.VERGE_BENCH_LOG ?? 'warn',
  };
  edge = await startChild('./edge-server.mjs', [JSON.stringify(edgeConfig)]);
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
  probeTarget = { port, caPem: edgeCaPem, key: keys.msink };
  const sink = await connect('msink');
  clients.push(sink);
  let sinkReceived = 0;
  let m2mStored = 0;
  let sinkLatencies;
  sink.on('message', (_topic, payload) => {
    sinkReceived += 1;
    sinkLatencies?.push(nowMs() - sentAt(payload));
  });
  await subscribe(sink, `devices/${EDGE_ID}/modules/msink/inputs/#`);
  const m2mSenders = [];
  for (const m of m2mSources) m2mSenders.push({ client: await connect(m), topic: `devices/${EDGE_ID}/modules/${m}/messages/events/%24.on=out` });
  // Every PUBACK the hub gives an m2m sender is a message stored for the sink: the sink's backlog is exact.
  for (const { client } of m2mSenders) client.on('packetreceive', (p) => void (p.cmd === 'puback' && (m2mStored += 1)));
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

  // Mosquitto clients first: the latency phases compare against it. A private Mosquitto with a TLS listener and a
  // certificate made for this run, driven by the same client code.
  mosquitto = await startMosquittoTls();
  const mosquittoCpuMs = () => pidCpuMs(mosquitto.pid);
  const mosqSub = await connectMosquitto(`verge-bench-sub-${run}`, mosquitto);
  let mosqReceived = 0;
  let mosqLatencies;
  mosqSub.on('message', (_t, payload) => {
    mosqReceived += 1;
    mosqLatencies?.push(nowMs() - sentAt(payload));
  });
  await subscribe(mosqSub, `verge-bench/${run}/m2m/#`);
  const mosqSenders = [];
  for (let i = 0; i < SENDERS; i++) mosqSenders.push({ client: await connectMosquitto(`verge-bench-pub-${run}-${i}`, mosquitto), i });
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

  progress(`Mosquitto (TLS, 127.0.0.1:${mosquitto.port}) with the same client code: pub→sub and publish-only, same senders and window`);
  result.mosquittoPubSub = await withCpu(() =>
    pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/m2m/${s.i}` })), { ...THROUGHPUT, delivered: () => mosqReceived }),
  );
  result.mosquittoPublishOnly = await withCpu(() => pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/nobody/${s.i}` })), THROUGHPUT));

  progress(`module→module: ${SENDERS} senders × window ${WINDOW} → one sink, ${THROUGHPUT.durationMs / 1000} s`);
  result.moduleToModule = await withCpu(() => pumpThroughput(m2mSenders, { ...THROUGHPUT, delivered: () => sinkReceived, onSample: sample }));
  // The sink leaves: what the hub acknowledged but has not delivered yet stays stored and no longer competes with
  // the next phase for the CPU.
  result.moduleToModule.backlogLeftStored = m2mStored - sinkReceived;
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
  result.mosquittoRssMB = await rssOf(mosquitto.pid);

  // Restart with a backlog: the sink stays away while the m2m senders fill its queue to RESTART_MESSAGES, the edge
  // runtime stops (clean stop) and starts again on the same data directory and port; measured: from the fork of the
  // new process to the first accepted connection (CONNACK), then the drain rate to the returning sink.
  const backlog = m2mStored - sinkReceived;
  const topUp = Math.max(0, RESTART_MESSAGES - backlog);
  progress(`restart: the sink's queue holds ${backlog} messages; storing ${topUp} more, then restarting the edge runtime`);
  if (topUp > 0) await pumpCount(m2mSenders, { window: WINDOW, count: topUp });
  const storedForSink = backlog + topUp;
  await closeAll(clients.splice(0)).catch(() => undefined);
  await edge.stop();
  const forkedAt = Date.now();
  edge = await startChild('./edge-server.mjs', [JSON.stringify(edgeConfig)], { probe: true });
  const sink2 = await edge.sink;
  clients.push(sink2.client);
  const acceptMs = sink2.connectedAt - forkedAt;
  await subscribe(sink2.client, `devices/${EDGE_ID}/modules/msink/inputs/#`);
  const restartDrainFrom = sink2.connectedAt;
  await waitFor(() => (restartSink.received >= storedForSink ? true : undefined), 'the sink to drain the stored messages', RESTART_DRAIN_SEC * 1000, 100).catch(() => undefined);
  const drained = restartSink.received;
  const lastAt = restartSink.lastAt;
  const drainSeconds = Math.max(0.001, ((drained >= storedForSink ? lastAt : Date.now()) - restartDrainFrom) / 1000);
  result.restart = {
    storedForSink,
    readyMs: edge.ready.readyAt - forkedAt,
    acceptMs,
    drained,
    drainSec: drainSeconds,
    drainPerSec: drained / drainSeconds,
    complete: drained >= storedForSink,
  };
  result.restart.drainVsOnline = result.restart.drainPerSec / result.moduleToModule.deliveredPerSec;
  progress(`restart: first connection accepted ${acceptMs} ms after the fork; drained ${drained} of ${storedForSink} at ${f(result.restart.drainPerSec)} msgs/s`);
  result.mosquittoVersion = await mosquittoVersion();
  result.ratios = {
    moduleToModuleVsMosquittoPubSub: result.moduleToModule.deliveredPerSec / result.mosquittoPubSub.deliveredPerSec,
    upstreamAckedVsMosquittoPublishOnly: result.moduleToUpstream.ackedPerSec / result.mosquittoPublishOnly.ackedPerSec,
    upstreamEndToEndVsMosquittoPubSub: result.moduleToUpstream.endToEndPerSec / result.mosquittoPubSub.deliveredPerSec,
  };
  result.notes.push(
    'Verge: MQTT over TLS 1.3, SAS-authenticated module identities, every message persisted (SQLite, group commit) before its PUBACK; Mosquitto: a private instance for this run, MQTT over TLS (openssl-made P-256 certificate), anonymous, no persistence, default limits.',
    'module→$upstream "acked" is the rate the hub accepted and stored; "cloud received" is what reached the cloud in the same window over the upstream links (one MQTT/TLS connection per sending identity).',
    'All processes (cloud, edge runtime, this load generator, Mosquitto) share the same cores.',
  );
  result.loadAverageAtEnd = loadavg();
  print(result, { json: args.json, drainSec: DRAIN_SEC });
  if (!args['no-write']) {
    const file = await writeBenchmarksMd(result, { command: `node bench/edge-hub.mjs ${process.argv.slice(2).join(' ')}`.trim(), startedAt });
    progress(`wrote ${file}`);
  }
} finally {
  await closeAll(clients).catch(() => undefined);
  await edge?.stop().catch(() => undefined);
  await cloud?.stop().catch(() => undefined);
  await mosquitto?.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** Connects the sink module to the restarting hub, retrying every 10 ms until it is accepted (bounded to 30 s). */
async function connectWhenUp() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const onMessage = () => {
        restartSink.received += 1;
        restartSink.lastAt = Date.now();
      };
      const client = await connectModule({ port: probeTarget.port, caPem: probeTarget.caPem, edgeId: EDGE_ID, moduleId: 'msink', key: probeTarget.key, onMessage });
      return { client, connectedAt: Date.now() };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

/** RSS of process `pid` in MB (VmRSS), or NaN. */
async function rssOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1]);
  return Number.isFinite(kb) ? kb / 1024 : NaN;
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
