#!/usr/bin/env node
// Profiling tool, not a benchmark (`npm run bench` runs bench/*.mjs only). Where the edge hub's time goes (issue 8): the throughput phases of bench/edge-hub.mjs (module→module into one sink,
// then module→$upstream), each measured for its rate, the runtime's CPU per message (and the cloud's, upstream), a
// CPU profile of the runtime taken over its inspector (self time by function and file), and `strace -c -f` counts of
// the runtime per message, each in its own slice of the phase (strace slows the process down while it runs).
// Optionally Mosquitto pub→sub first, with the same clients, for the ratio. Prints JSON; writes nothing else.
//
//   npx tsc -b && node bench/profile/edge-hub-profile.mjs [--seconds 14] [--profile] [--strace] [--mosquitto] [--senders 4] [--window 16]
//                                               [--phases m2m,up] [--prof-out /tmp/prof] [--out result.json]
//                                               [--exec-argv="--max-semi-space-size=8"]
// The runtime runs the bundle when current (as bench/edge-hub.mjs), or the dist build with VERGE_BENCH_EDGE_ENTRY=dist.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { profileOverInspector, straceCounts, summarizeProfile } from './cpu-profile-tools.mjs';
import { pidCpuMs } from '../host-stats.mjs';
import { connectMosquitto, pumpThroughput, subscribe } from '../edge-load.mjs';
import { connectModuleLoad, sleep, startCloudAndEdge, tearDownRig } from '../edge-rig.mjs';
import { freePort, startMosquittoTls } from '../mosquitto-tls.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '14' },
    senders: { type: 'string', default: '4' },
    window: { type: 'string', default: '16' },
    phases: { type: 'string', default: 'm2m,up' },
    profile: { type: 'boolean', default: false },
    strace: { type: 'boolean', default: false },
    mosquitto: { type: 'boolean', default: false },
    'prof-out': { type: 'string' },
    out: { type: 'string' },
    'exec-argv': { type: 'string', default: '' },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP_MS = 2000;
// Slices of a phase after the warm-up: CPU per message over the profile's slice (or SLICE_MS), then strace.
const PROFILE_MS = 4000;
const STRACE_MS = 3000;
// Without a profile, CPU per message is measured over this slice.
const SLICE_MS = 7000;
const EDGE_ID = 'bench-edge';
const progress = (text) => process.stderr.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const inspectPort = args.profile ? await freePort() : undefined;
const dir = await mkdtemp(join(tmpdir(), 'verge-bench-prof-'));
const clients = [];
const result = { loadAverageAtStart: loadavg(), settings: { seconds: SECONDS, senders: Number(args.senders), window: Number(args.window) } };
let cloud;
let edge;
let mosquitto;
try {
  const execArgv = [...args['exec-argv'].split(' ').filter(Boolean), ...(inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`])];
  const started = await startCloudAndEdge({ dir, edgeId: EDGE_ID, edge: { execArgv } });
  ({ cloud, edge } = started);
  result.bundled = edge.ready.bundled;
  const { rest } = started;
  const load = await connectModuleLoad({ rest, edge, edgeId: EDGE_ID, senders: Number(args.senders), clients, progress });
  await sleep(2000);
  const throughput = { window: Number(args.window), durationMs: SECONDS * 1000, warmupMs: WARMUP_MS };

  if (args.mosquitto) {
    mosquitto = await startMosquittoTls();
    const sub = await connectMosquitto('prof-sub', mosquitto);
    let received = 0;
    sub.on('message', () => (received += 1));
    await subscribe(sub, 'prof/#');
    const pubs = [];
    for (let i = 0; i < Number(args.senders); i++) pubs.push({ client: await connectMosquitto(`prof-pub-${i}`, mosquitto), topic: `prof/${i}` });
    clients.push(sub, ...pubs.map((p) => p.client));
    progress('Mosquitto pub→sub');
    const cpu0 = await pidCpuMs(mosquitto.pid);
    const r = await pumpThroughput(pubs, { ...throughput, delivered: () => received });
    result.mosquittoPubSub = { ...r, brokerCpuUsPerMsg: (((await pidCpuMs(mosquitto.pid)) - cpu0) * 1000) / (r.deliveredPerSec * (SECONDS - WARMUP_MS / 1000)) };
  }

  const phases = args.phases.split(',');
  if (phases.includes('m2m')) {
    progress('module→module');
    result.moduleToModule = await phase(started, load.m2mSenders, () => load.counts.sinkReceived, 'm2m');
    await new Promise((r) => load.sink.end(true, {}, r));
    await sleep(1000);
  }
  if (phases.includes('up')) {
    progress('module→$upstream');
    result.moduleToUpstream = await phase(started, load.upSenders, load.cloudSeq, 'up');
  }
  result.loadAverageAtEnd = loadavg();
  // The runtime's children share this stdout (their logs), so --out keeps the JSON apart.
  if (args.out === undefined) console.log(JSON.stringify(result, null, 2));
  else await writeFile(args.out, JSON.stringify(result, null, 2));
} finally {
  await tearDownRig({ clients, edge, cloud, peers: [mosquitto], dir });
}

/** One throughput phase with the slices described at the top. */
async function phase({ cloud: cloudChild, edge: edgeChild }, senders, delivered, name) {
  const stat = async () => {
    const s = await edgeChild.stats();
    const c = await cloudChild.stats();
    return { at: Date.now(), edgeCpuUs: s.cpu.user + s.cpu.system, cloudCpuUs: c.cpu.user + c.cpu.system, received: s.hub.counters.received };
  };
  let from;
  let to;
  const slices = (async () => {
    await sleep(WARMUP_MS);
    from = await stat();
    const out = {};
    if (args.profile) {
      const profile = await profileOverInspector(inspectPort, PROFILE_MS);
      if (args['prof-out'] !== undefined) await writeFile(`${args['prof-out']}-${name}.cpuprofile`, JSON.stringify(profile));
      out.profile = summarizeProfile(profile);
    } else await sleep(SLICE_MS);
    to = await stat();
    if (args.strace) {
      const before = await stat();
      const counts = await straceCounts(edgeChild.child.pid, STRACE_MS);
      const after = await stat();
      const messages = Math.max(1, after.received - before.received);
      out.strace = { messages, perMessage: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v / messages) * 1000) / 1000])) };
    }
    return out;
  })();
  const rates = await pumpThroughput(senders, { window: Number(args.window), durationMs: SECONDS * 1000, warmupMs: WARMUP_MS, delivered });
  const out = await slices;
  const messages = Math.max(1, to.received - from.received);
  return {
    ...rates,
    sliceMessagesPerSec: messages / ((to.at - from.at) / 1000),
    runtimeCpuUsPerMsg: (to.edgeCpuUs - from.edgeCpuUs) / messages,
    cloudCpuUsPerMsg: (to.cloudCpuUs - from.cloudCpuUs) / messages,
    runtimeCpuShare: (to.edgeCpuUs - from.edgeCpuUs) / ((to.at - from.at) * 1000),
    cloudCpuShare: (to.cloudCpuUs - from.cloudCpuUs) / ((to.at - from.at) * 1000),
    ...out,
  };
}
