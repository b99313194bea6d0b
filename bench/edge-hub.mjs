#!/usr/bin/env node
// Benchmark of the edge runtime's hub (issues #4, #8): routed module→module and module→$upstream throughput (QoS 1,
// 256 B, TLS), p50/p99 latency at 2,000 msg/s, and the runtime's RSS idle and under load, side by side with
// a private Mosquitto 2 on TLS (bench/mosquitto-tls.mjs) driven by the same client code in the same run; for
// module→$upstream also a Mosquitto "edge" bridged to a Mosquitto "cloud" (bench/edge-mosquitto-bridge.mjs).
// The cloud and the edge runtime each run in their own process (bench/cloud-server.mjs, bench/edge-server.mjs);
// the load comes from this process. Loopback only; then a restart with 100k stored messages;
// writes BENCHMARKS.md at the repository root (--no-write: not). About five minutes.
//
//   npx tsc -b && node bench/edge-hub.mjs [--senders 4] [--window 16] [--throughput-sec 10] [--latency-sec 8] [--nodelay]
//                                         [--rate 2000] [--restart-messages 100000] [--json] [--no-write] [--latency-only]
// --latency-only: the latency phases alone (module→module with the runtime's CPU per message, module→$upstream,
// Mosquitto), printed as JSON; BENCHMARKS.md is not written.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient } from '../packages/api-client/dist/index.js';
import { f, machine, mosquittoVersion, print } from './edge-report.mjs';
import { pidCpuMs } from './host-stats.mjs';
import { startMosquittoTls } from './mosquitto-tls.mjs';
import { writeBenchmarksMd } from './edge-markdown.mjs';
import { measureMosquittoBridge } from './edge-mosquitto-bridge.mjs';
import { closeAll, connectModule, connectMosquitto, nowMs, percentiles, pumpCount, pumpPaced, pumpThroughput, sentAt, subscribe } from './edge-load.mjs';
import { connectModuleLoad, peakMemorySampler, sleep, startCloudAndEdge, waitFor, tearDownRig } from './edge-rig.mjs';

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
    'latency-only': { type: 'boolean', default: false },
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

for (const built of ['apps/cloud/dist/start-cloud.js', 'apps/edge/dist/start-edge.js', 'packages/api-client/dist/index.js']) {
  if (!existsSync(new URL(`../${built}`, import.meta.url))) {
    console.error(`bench: ${built} is missing; run \`npx tsc -b\` first`);
    process.exit(1);
  }
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
  // VERGE_BENCH_EDGE_EXEC_ARGV (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the edge runtime's process only.
  const edgeExecArgv = (process.env.VERGE_BENCH_EDGE_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const started = await startCloudAndEdge({ dir, edgeId: EDGE_ID, edge: { execArgv: edgeExecArgv, logLevel: process.env.VERGE_BENCH_LOG ?? 'warn' } });
  ({ cloud, edge } = started);
  const { rest, httpUrl, serviceConnectionString, startEdge } = started;
  const { port, edgeCaPem } = edge.ready;
  const { keys, sink, m2mSenders, upSenders, counts, cloudSeq } = await connectModuleLoad({ rest, edge, edgeId: EDGE_ID, senders: SENDERS, clients, progress });
  probeTarget = { port, caPem: edgeCaPem, key: keys.msink };
  let sinkLatencies;
  sink.on('message', (_topic, payload) => sinkLatencies?.push(nowMs() - sentAt(payload)));

  await sleep(3000);
  const idle = await edge.stats();
  result.rssIdleMB = idle.rss / MB;
  progress(`runtime RSS idle (hub, agent, workload API; ${clients.length} clients connected): ${f(result.rssIdleMB)} MB`);

  const { sample, peak } = peakMemorySampler(edge, idle.memory);
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
  const sentBefore = counts.sinkReceived;
  const cpuBefore = (await edge.stats()).cpu;
  const m2mPaced = await pumpPaced(m2mSenders[0], { ...LATENCY });
  const m2mSent = m2mPaced.sent;
  // Messages still queued for the sink when the sender stops are part of the latency: wait for them (bounded).
  await waitFor(() => (counts.sinkReceived - sentBefore >= m2mSent ? true : undefined), 'the sink to receive the paced messages', 60_000, 200).catch(() =>
    result.notes.push(`module→module at ${LATENCY.ratePerSec} msg/s: the sink had ${counts.sinkReceived - sentBefore} of ${m2mSent} messages 60 s after the sender stopped`),
  );
  const cpuAfter = (await edge.stats()).cpu;
  // Edge runtime CPU (user + system) from the first paced publish until the sink had them all, per message.
  const runtimeCpuUsPerMsg = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / Math.max(1, m2mSent);
  result.latencyModuleToModule = { delivery: percentiles(sinkLatencies.slice(Math.floor(LATENCY.ratePerSec))), puback: percentiles(m2mPaced.ackLatencies), skipped: m2mPaced.skipped, achievedPerSec: m2mPaced.achievedPerSec, runtimeCpuUsPerMsg };
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
  if (args['latency-only']) {
    result.loadAverageAtEnd = loadavg();
    const { latencyModuleToModule, latencyModuleToUpstream, latencyMosquitto, loadAverageAtStart, loadAverageAtEnd } = result;
    console.log(JSON.stringify({ latencyModuleToModule, latencyModuleToUpstream, latencyMosquitto, loadAverageAtStart, loadAverageAtEnd }, null, 2));
  } else {

    progress(`Mosquitto (TLS, 127.0.0.1:${mosquitto.port}) with the same client code: pub→sub and publish-only, same senders and window`);
    result.mosquittoPubSub = await withCpu(() =>
      pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/m2m/${s.i}` })), { ...THROUGHPUT, delivered: () => mosqReceived }),
    );
    result.mosquittoPublishOnly = await withCpu(() => pumpThroughput(mosqSenders.map((s) => ({ client: s.client, topic: `verge-bench/${run}/nobody/${s.i}` })), THROUGHPUT));
    // The honest peer of module→$upstream: an edge broker that forwards what it accepted to a cloud broker.
    progress(`Mosquitto "edge" bridged (QoS 1, TLS) to a Mosquitto "cloud": same senders and window, ${THROUGHPUT.durationMs / 1000} s, then until the cloud has every accepted message (≤ ${DRAIN_SEC} s)`);
    result.mosquittoBridge = await measureMosquittoBridge({ run, senders: SENDERS, throughput: THROUGHPUT, drainSec: DRAIN_SEC });

    progress(`module→module: ${SENDERS} senders × window ${WINDOW} → one sink, ${THROUGHPUT.durationMs / 1000} s`);
    result.moduleToModule = await withCpu(() => pumpThroughput(m2mSenders, { ...THROUGHPUT, delivered: () => counts.sinkReceived, onSample: sample }));
    // The sink leaves: what the hub acknowledged but has not delivered yet stays stored and no longer competes with
    // the next phase for the CPU.
    result.moduleToModule.backlogLeftStored = counts.m2mStored - counts.sinkReceived;
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

    result.rssUnderLoadMB = peak().rss / MB;
    result.mosquittoRssMB = await rssOf(mosquitto.pid);

    // Restart with a backlog: the sink stays away while the m2m senders fill its queue to RESTART_MESSAGES, the edge
    // runtime stops (clean stop) and starts again on the same data directory and port; measured: from the fork of the
    // new process to the first accepted connection (CONNACK), then the drain rate to the returning sink.
    const backlog = counts.m2mStored - counts.sinkReceived;
    const topUp = Math.max(0, RESTART_MESSAGES - backlog);
    progress(`restart: the sink's queue holds ${backlog} messages; storing ${topUp} more, then restarting the edge runtime`);
    if (topUp > 0) await pumpCount(m2mSenders, { window: WINDOW, count: topUp });
    const storedForSink = backlog + topUp;
    await closeAll(clients.splice(0)).catch(() => undefined);
    await edge.stop();
    const forkedAt = Date.now();
    const restarting = startEdge();
    const sink2Connecting = connectWhenUp();
    edge = await restarting;
    const sink2 = await sink2Connecting;
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
      upstreamAckedVsMosquittoBridge: result.moduleToUpstream.ackedPerSec / result.mosquittoBridge.ackedPerSec,
      upstreamCloudVsMosquittoBridge: result.moduleToUpstream.deliveredPerSec / result.mosquittoBridge.cloudReceivedPerSec,
      upstreamEndToEndVsMosquittoPubSub: result.moduleToUpstream.endToEndPerSec / result.mosquittoPubSub.deliveredPerSec,
    };
    result.notes.push(
      'Verge: MQTT over TLS 1.3, SAS-authenticated module identities, every message persisted (SQLite, group commit) before its PUBACK; Mosquitto: a private instance for this run, MQTT over TLS (openssl-made P-256 certificate), anonymous, no persistence, default limits.',
      'module→$upstream "acked" is the rate the hub accepted and stored; "cloud received" is what reached the cloud in the same window over the upstream links (one MQTT/TLS connection per sending identity).',
      'Bridged Mosquitto pair: an "edge" Mosquitto (TLS listener) forwarding the senders\' topics over one MQTT 3.1.1/TLS bridge at QoS 1 to a "cloud" Mosquitto, counted by a QoS 1 subscriber of the cloud; the edge keeps whatever it accepted for the bridge and the cloud whatever it holds for the counting subscriber (max_queued_messages 0: with the default of 1000 messages are dropped under this load), otherwise defaults (20 in flight on the bridge, no persistence).',
      'All processes (cloud, edge runtime, this load generator, Mosquitto) share the same cores.',
    );
    result.loadAverageAtEnd = loadavg();
    print(result, { json: args.json, drainSec: DRAIN_SEC });
    if (!args['no-write']) {
      const file = await writeBenchmarksMd(result, { command: `node bench/edge-hub.mjs ${process.argv.slice(2).join(' ')}`.trim(), startedAt });
      progress(`wrote ${file}`);
    }
  }
} finally {
  await tearDownRig({ clients, edge, cloud, peers: [mosquitto], dir });
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
