#!/usr/bin/env node
// Memory of the edge runtime (issue 8, item 2): RSS idle and under load, with the CPU cost of a message, in about a
// minute (bench/edge-hub.mjs is the full benchmark). Cloud and edge runtime run in their own processes
// (bench/edge-cloud.mjs, bench/edge-server.mjs) as in edge-hub.mjs; the same deployment and clients (4 senders
// module→module into one sink, 4 senders module→$upstream, QoS 1, 256 B, TLS). Prints one JSON line per run.
//
//   npm run build && node bench/edge-memory.mjs [--entry loader|dist] [--exec-argv="--max-semi-space-size=4"]
//                                            [--runtime-v8-flags=--optimize-for-size]
//                                            [--seconds 10] [--window 16] [--rate MSGS_PER_SEC] [--snapshot DIR]
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { restClient } from './cloud-load.mjs';
import { freePort } from './mosquitto-tls.mjs';
import { closeAll, connectModule, pumpPaced, pumpThroughput, subscribe } from './edge-load.mjs';

const { values: args } = parseArgs({
  options: {
    // loader: what `verge edge start` runs (the bundle when current); dist: the unbundled build.
    entry: { type: 'string', default: 'loader' },
    'exec-argv': { type: 'string', default: '' },
    // V8 flags the runtime's process sets itself before loading the runtime (v8.setFlagsFromString).
    'runtime-v8-flags': { type: 'string', default: '' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '16' },
    senders: { type: 'string', default: '4' },
    snapshot: { type: 'string' },
    // msgs/s over all senders of a phase instead of as fast as the hub acknowledges: CPU per message is then
    // compared at the same rate (batch sizes depend on the rate, the rate on the machine's other load).
    rate: { type: 'string' },
  },
});
const SENDERS = Number(args.senders);
const EDGE_ID = 'mem-edge';
const MB = 1024 * 1024;
const THROUGHPUT = { window: Number(args.window), durationMs: Number(args.seconds) * 1000, warmupMs: 2000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startChild(script, argv, { execArgv = [], env = {} } = {}) {
  const child = fork(new URL(script, import.meta.url), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: { ...process.env, ...env } });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type, extra = {}) => new Promise((resolve) => {
    pending.push(resolve);
    child.send({ type, ...extra });
  });
  const ready = new Promise((resolve, reject) => {
    pending.push(resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return { ready, stats: () => request('rss'), inspect: (extra) => request('inspect', extra), stop: () => request('stop') };
}

async function waitFor(fn, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'verge-bench-mem-'));
const clients = [];
let cloud;
let edge;
try {
  cloud = startChild('./edge-cloud.mjs', [join(dir, 'cloud')]);
  const { ports, httpUrl, serviceConnectionString } = await cloud.ready;
  const rest = restClient(httpUrl, serviceConnectionString);
  const device = await rest('PUT', `/devices/${EDGE_ID}`, { deviceId: EDGE_ID, capabilities: { iotEdge: true } });
  const edgeConfig = {
    connectionString: `HostName=localhost;DeviceId=${EDGE_ID};SharedAccessKey=${device.authentication.symmetricKey.primaryKey};GatewayHostName=localhost:${ports.mqtt}`,
    cloudCaFile: join(dir, 'cloud', 'ca.pem'),
    cloudApiUrl: `https://localhost:${ports.https}`,
    dataDir: join(dir, 'edge'),
    hostname: 'localhost',
    bindAddress: '127.0.0.1',
    mqttPort: await freePort(),
    httpsPort: 0,
    runtime: 'process',
    logLevel: 'warn',
  };
  const execArgv = args['exec-argv'].split(' ').filter(Boolean);
  edge = startChild('./edge-server.mjs', [JSON.stringify(edgeConfig)], { execArgv, env: { VERGE_BENCH_EDGE_ENTRY: args.entry, VERGE_BENCH_EDGE_V8_FLAGS: args['runtime-v8-flags'] } });
  const { port, edgeCaPem, bundled } = await edge.ready;
  const afterStart = await edge.stats();

  const m2m = Array.from({ length: SENDERS }, (_, i) => `msrc${i}`);
  const up = Array.from({ length: SENDERS }, (_, i) => `usrc${i}`);
  const moduleIds = [...m2m, 'msink', ...up];
  await rest('POST', `/devices/${EDGE_ID}/applyConfigurationContent`, deployment(m2m, up));
  const keys = Object.fromEntries(await Promise.all(moduleIds.map(async (m) => [m, (await waitFor(() => rest('GET', `/devices/${EDGE_ID}/modules/${m}`), m)).authentication.symmetricKey.primaryKey])));
  const connect = (moduleId) => waitFor(() => connectModule({ port, caPem: edgeCaPem, edgeId: EDGE_ID, moduleId, key: keys[moduleId] }), `module ${moduleId}`);
  const sink = await connect('msink');
  clients.push(sink);
  let sinkReceived = 0;
  sink.on('message', () => (sinkReceived += 1));
  await subscribe(sink, `devices/${EDGE_ID}/modules/msink/inputs/#`);
  const topic = (m) => `devices/${EDGE_ID}/modules/${m}/messages/events/%24.on=out`;
  const m2mSenders = [];
  for (const m of m2m) m2mSenders.push({ client: await connect(m), topic: topic(m) });
  const upSenders = [];
  for (const m of up) upSenders.push({ client: await connect(m), topic: topic(m) });
  clients.push(...m2mSenders.map((s) => s.client), ...upSenders.map((s) => s.client));
  const cloudSeq = async () => (await rest('GET', `/messages?deviceId=${EDGE_ID}&limit=1`))[0]?.sequenceNumber ?? 0;
  await waitFor(async () => {
    m2mSenders[0].client.publish(m2mSenders[0].topic, 'probe', { qos: 1 });
    upSenders[0].client.publish(upSenders[0].topic, Buffer.alloc(8), { qos: 1 });
    await sleep(300);
    return sinkReceived > 0 && (await cloudSeq()) > 0 ? true : undefined;
  }, 'the routes to deliver a probe');

  await sleep(3000);
  const idle = await edge.stats();
  const idleInspect = await edge.inspect(args.snapshot === undefined ? {} : { snapshotPath: join(args.snapshot, `idle-${args.entry}.heapsnapshot`) });

  let peak = idle.memory;
  const sample = () => void edge.stats().then((s) => {
    if (s.rss > peak.rss) peak = s.memory;
  });
  const phase = async (senders, delivered) => {
    const before = await edge.stats();
    const r = args.rate === undefined ? await pumpThroughput(senders, { ...THROUGHPUT, delivered, onSample: sample }) : await paced(senders);
    const after = await edge.stats();
    const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
    const stored = after.hub.counters.stored - before.hub.counters.stored;
    return { ackedPerSec: Math.round(r.ackedPerSec), deliveredPerSec: Math.round(r.deliveredPerSec), cpuMs: Math.round(cpuMs), stored, cpuUsPerMsg: Number(((cpuMs * 1000) / Math.max(1, stored)).toFixed(1)) };
  };
  const paced = async (senders) => {
    const sampler = setInterval(sample, 500);
    const runs = await Promise.all(senders.map((s) => pumpPaced(s, { ratePerSec: Number(args.rate) / senders.length, durationMs: THROUGHPUT.durationMs })));
    clearInterval(sampler);
    const sent = runs.reduce((n, r) => n + r.sent, 0);
    return { ackedPerSec: sent / (THROUGHPUT.durationMs / 1000), deliveredPerSec: NaN };
  };
  const moduleToModule = await phase(m2mSenders, () => sinkReceived);
  const moduleToUpstream = await phase(upSenders, cloudSeq);
  const loadInspect = await edge.inspect(args.snapshot === undefined ? {} : { snapshotPath: join(args.snapshot, `load-${args.entry}.heapsnapshot`) });
  const mb = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number((v / MB).toFixed(1))]));
  const spaces = (i) => Object.fromEntries(Object.entries(i.spaces).map(([k, v]) => [k, Number((v.size / MB).toFixed(1))]));
  console.log(JSON.stringify({
    entry: args.entry,
    bundled,
    execArgv,
    runtimeV8Flags: args['runtime-v8-flags'],
    afterStartMB: mb(afterStart.memory),
    idleMB: mb(idle.memory),
    idleSpacesMB: spaces(idleInspect),
    peakMB: mb(peak),
    endSpacesMB: spaces(loadInspect),
    idleRssKb: idleInspect.rss,
    endRssKb: loadInspect.rss,
    ...(process.env.VERGE_BENCH_MAPPINGS === '1' ? { idleMappings: idleInspect.mappings, endMappings: loadInspect.mappings } : {}),
    moduleToModule,
    moduleToUpstream,
  }));
} finally {
  await closeAll(clients).catch(() => undefined);
  await edge?.stop().catch(() => undefined);
  await cloud?.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

function deployment(m2mSources, upSources) {
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
