#!/usr/bin/env node
// Memory of the edge runtime (issue 8, item 2): RSS idle and under load, with the CPU cost of a message, in about a
// minute (bench/edge-hub.mjs is the full benchmark). Cloud and edge runtime run in their own processes
// (bench/edge-cloud.mjs, bench/edge-server.mjs) as in edge-hub.mjs; the same deployment and clients (4 senders
// module→module into one sink, 4 senders module→$upstream, QoS 1, 256 B, TLS). Prints one JSON line per run.
//
//   npm run build && node bench/edge-memory.mjs [--entry loader|dist|COPY/edge-runtime.bundle.js]
//                                            [--exec-argv="--max-semi-space-size=4"] [--runtime-v8-flags=--optimize-for-size]
//                                            [--seconds 10] [--window 16] [--rate MSGS_PER_SEC] [--snapshot DIR]
//                                            [--after-idle 15]
// --after-idle: seconds the runtime idles after the load before its RSS is read again (afterLoadIdleMB; the WAL
// checkpoint worker's thread ends 10 s after its last round).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAll, pumpPaced, pumpThroughput } from './edge-load.mjs';
import { connectModuleLoad, peakMemorySampler, sleep, startCloudAndEdge } from './edge-rig.mjs';

const { values: args } = parseArgs({
  options: {
    // loader: what `verge edge start` runs (the bundle when current); dist: the unbundled build; a path: a copy of a
    // bundle (with its bundle-chunks/, in a directory of apps/edge like dist), for A/B runs while the tree changes.
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
    'after-idle': { type: 'string', default: '15' },
  },
});
const SENDERS = Number(args.senders);
const EDGE_ID = 'mem-edge';
const MB = 1024 * 1024;
const THROUGHPUT = { window: Number(args.window), durationMs: Number(args.seconds) * 1000, warmupMs: 2000 };

const entryName = args.entry.endsWith('.js') ? 'copy' : args.entry;
const dir = await mkdtemp(join(tmpdir(), 'verge-bench-mem-'));
const clients = [];
let cloud;
let edge;
try {
  const execArgv = args['exec-argv'].split(' ').filter(Boolean);
  const started = await startCloudAndEdge({ dir, edgeId: EDGE_ID, edge: { execArgv, env: { VERGE_BENCH_EDGE_ENTRY: args.entry, VERGE_BENCH_EDGE_V8_FLAGS: args['runtime-v8-flags'] } } });
  ({ cloud, edge } = started);
  const { rest } = started;
  const { bundled } = edge.ready;
  const afterStart = await edge.stats();
  const { m2mSenders, upSenders, counts, cloudSeq } = await connectModuleLoad({ rest, edge, edgeId: EDGE_ID, senders: SENDERS, clients });

  await sleep(3000);
  const idle = await edge.stats();
  const idleInspect = await edge.inspect(args.snapshot === undefined ? {} : { snapshotPath: join(args.snapshot, `idle-${entryName}.heapsnapshot`) });

  const { sample, peak } = peakMemorySampler(edge, idle.memory);
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
  const moduleToModule = await phase(m2mSenders, () => counts.sinkReceived);
  const moduleToUpstream = await phase(upSenders, cloudSeq);
  const loadInspect = await edge.inspect(args.snapshot === undefined ? {} : { snapshotPath: join(args.snapshot, `load-${entryName}.heapsnapshot`) });
  await sleep(Number(args['after-idle']) * 1000);
  const afterLoadIdle = await edge.stats();
  const afterLoadIdleInspect = await edge.inspect();
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
    peakMB: mb(peak()),
    endSpacesMB: spaces(loadInspect),
    idleRssKb: idleInspect.rss,
    endRssKb: loadInspect.rss,
    afterLoadIdleMB: mb(afterLoadIdle.memory),
    afterLoadIdleRssKb: afterLoadIdleInspect.rss,
    ...(process.env.VERGE_BENCH_MAPPINGS === '1' ? { idleMappings: idleInspect.mappings, endMappings: loadInspect.mappings, afterLoadIdleMappings: afterLoadIdleInspect.mappings } : {}),
    moduleToModule,
    moduleToUpstream,
  }));
} finally {
  await closeAll(clients).catch(() => undefined);
  await edge?.stop().catch(() => undefined);
  await cloud?.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
