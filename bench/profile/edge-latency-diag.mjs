#!/usr/bin/env node
// Diagnostic tool, not a benchmark: where the tail of the routed hop's latency comes from (issue 8, p99 per hop).
// Runs only the module→module latency phase of bench/edge-hub.mjs (one sender paced at --rate into one sink) and
// sets every slow message (latency over --slow-ms) against what happened meanwhile: GC pauses and event-loop stalls
// of the edge runtime (bench/edge-server.mjs with VERGE_BENCH_EDGE_DIAG=1) and of this load generator, and with
// --probes (the runtime runs a throwaway copy of its dist build with timing probes, bench/profile/probe-dist-copy.mjs)
// long commits and WAL checkpoint rounds, and whether long commits coincide with rounds. Prints JSON.
//
// --path up: the sender publishes module→$upstream instead (no latency samples: the profiles and GC only).
// --alloc: the runtime's allocations during each round (sampled over its inspector: bytes by function, per message);
// --alloc --survivors: only the allocations that outlived a scavenge; --cpu: a CPU profile of each round instead (self time by function, as bench/profile/edge-hub-profile.mjs).
//
//   npx tsc -b && node bench/profile/edge-latency-diag.mjs [--rate 2000] [--seconds 8] [--slow-ms 2] [--rounds 1] [--alloc [--survivors] | --cpu] [--path m2m|up] [--probes] [--out file.json]
import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nowMs, percentiles, pumpPaced, sentAt } from '../edge-load.mjs';
import { connectModuleLoad, sleep, startCloudAndEdge, waitFor, tearDownRig } from '../edge-rig.mjs';
import { allocationsOverInspector, profileOverInspector, summarizeProfile } from './cpu-profile-tools.mjs';
import { startLoopRecorder } from './loop-recorder.mjs';
import { makeProbeDistCopy } from './probe-dist-copy.mjs';
import { freePort } from '../mosquitto-tls.mjs';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
    'slow-ms': { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    senders: { type: 'string', default: '1' },
    alloc: { type: 'boolean', default: false },
    survivors: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    path: { type: 'string', default: 'm2m' },
    probes: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SLOW = Number(args['slow-ms']);
const EDGE_ID = 'bench-edge';
const progress = (text) => process.stderr.write(`[diag ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const dir = await mkdtemp(join(tmpdir(), 'verge-bench-diag-'));
const clients = [];
let cloud;
let edge;
const probes = args.probes ? makeProbeDistCopy() : undefined;
const out = { loadAverageAtStart: loadavg(), settings: { rate: Number(args.rate), seconds: Number(args.seconds), slowMs: SLOW }, rounds: [] };
try {
  const inspectPort = args.alloc || args.cpu ? await freePort() : undefined;
  const execArgv = [...(process.env.VERGE_BENCH_EDGE_EXEC_ARGV ?? '').split(' ').filter(Boolean), ...(inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`])];
  // The probe copy runs without the loader, which bounds the young generation: bound it the same way (edge-server.mjs).
  const probeEnv = probes === undefined ? {} : { VERGE_BENCH_EDGE_ENTRY: probes.entry, VERGE_BENCH_EDGE_V8_FLAGS: process.env.VERGE_BENCH_EDGE_V8_FLAGS ?? '--semi-space-growth-factor=1' };
  const started = await startCloudAndEdge({ dir, edgeId: EDGE_ID, edge: { env: { VERGE_BENCH_EDGE_DIAG: '1', ...probeEnv }, execArgv } });
  ({ cloud, edge } = started);
  out.bundled = edge.ready.bundled;
  const load = await connectModuleLoad({ rest: started.rest, edge, edgeId: EDGE_ID, senders: Number(args.senders), clients, progress });
  let samples;
  load.sink.on('message', (_t, payload) => samples?.push([sentAt(payload), nowMs() - sentAt(payload)]));
  await sleep(2000);
  const local = startLoopRecorder();
  for (let round = 0; round < Number(args.rounds); round++) {
    progress(`round ${round + 1}: ${args.rate} msgs/s for ${args.seconds} s`);
    samples = [];
    await edge.diag();
    local.take();
    const before = load.counts.sinkReceived;
    const cpuBefore = (await edge.stats()).cpu;
    const profileMs = Number(args.seconds) * 1000 - 1500;
    const profiling =
      inspectPort === undefined
        ? undefined
        : sleep(1000).then(async () => {
            const from = (await edge.stats()).hub.counters.received;
            const r = args.alloc ? await allocationsOverInspector(inspectPort, profileMs, { survivors: args.survivors }) : summarizeProfile(await profileOverInspector(inspectPort, profileMs));
            const messages = (await edge.stats()).hub.counters.received - from;
            return { messages, ...(args.alloc ? { bytesPerMessage: Math.round(r.totalBytes / messages) } : {}), ...r };
          });
    const up = args.path === 'up';
    const paced = await pumpPaced(up ? load.upSenders[0] : load.m2mSenders[0], { ratePerSec: Number(args.rate), durationMs: Number(args.seconds) * 1000 });
    if (!up) await waitFor(() => (load.counts.sinkReceived - before >= paced.sent ? true : undefined), 'the sink', 30_000, 50).catch(() => undefined);
    const remote = await edge.diag();
    const mine = local.take();
    const cpuAfter = (await edge.stats()).cpu;
    const runtimeCpuUsPerMsg = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / Math.max(1, paced.sent);
    out.rounds.push({ runtimeCpuUsPerMsg, ...analyse(samples.slice(Number(args.rate)), remote, mine), profile: await profiling });
    samples = undefined;
    await sleep(1000);
  }
  local.stop();
  out.loadAverageAtEnd = loadavg();
  // The runtime's children share this stdout (their logs): --out keeps the JSON apart.
  if (args.out === undefined) console.log(JSON.stringify(out, null, 2));
  else await writeFile(args.out, JSON.stringify(out, null, 2));
} finally {
  await tearDownRig({ clients, edge, cloud, dir });
  probes?.remove();
}

/** Sets each slow message against the intervals that overlap its flight; summarises each kind of event. */
function analyse(samples, remote, mine) {
  const from = samples.length > 0 ? samples[0][0] : 0;
  const inWindow = (t) => t >= from;
  const intervals = [];
  for (const [t, ms, kind] of remote.gc ?? []) if (inWindow(t)) intervals.push({ what: `runtime gc ${kind}`, t, ms });
  for (const [t, ms] of remote.stalls ?? []) if (inWindow(t)) intervals.push({ what: 'runtime loop stall', t, ms });
  for (const [t, ms, kind] of mine.gc) if (inWindow(t)) intervals.push({ what: `loadgen gc ${kind}`, t, ms });
  for (const [t, ms] of mine.stalls) if (inWindow(t)) intervals.push({ what: 'loadgen loop stall', t, ms });
  const commits = (remote.probes?.commits ?? []).filter(([t]) => inWindow(t));
  for (const [t, ms, n] of commits) if (ms >= 0.5) intervals.push({ what: 'runtime commit ≥ 0.5 ms', t, ms, n });
  const rounds = (remote.probes?.rounds ?? []).filter(([, t]) => inWindow(t));
  for (const [kind, t, ms] of rounds) intervals.push({ what: `checkpoint round ${kind}`, t, ms });
  const slow = samples.filter(([, lat]) => lat > SLOW);
  const blame = {};
  let unexplained = 0;
  for (const [t, lat] of slow) {
    const hits = new Set(intervals.filter((i) => i.t < t + lat && i.t + i.ms > t).map((i) => i.what));
    if (hits.size === 0) unexplained += 1;
    for (const h of hits) blame[h] = (blame[h] ?? 0) + 1;
  }
  const summary = {};
  for (const i of intervals) {
    const s = (summary[i.what] ??= { count: 0, totalMs: 0, maxMs: 0 });
    s.count += 1;
    s.totalMs += i.ms;
    s.maxMs = Math.max(s.maxMs, i.ms);
  }
  // Do long commits coincide with checkpoint rounds more than their share of the time would make them?
  const inRound = (t, ms) => rounds.some(([, rt, rms]) => rt < t + ms && rt + rms > t);
  const longCommits = commits.filter(([, ms]) => ms >= 1);
  const span = commits.length > 1 ? commits[commits.length - 1][0] - commits[0][0] : 1;
  const commitsVsRounds = {
    longCommits: longCommits.length,
    longCommitsDuringRounds: longCommits.filter(([t, ms]) => inRound(t, ms)).length,
    shareOfCommitsDuringRounds: commits.filter(([t, ms]) => inRound(t, ms)).length / Math.max(1, commits.length),
    shareOfTimeInRounds: rounds.reduce((a, [, , ms]) => a + ms, 0) / span,
  };
  const lat = percentiles(samples.map(([, l]) => l));
  const commitMs = percentiles(commits.map(([, ms]) => ms));
  const commitWrites = percentiles(commits.map(([, , n]) => n));
  return {
    latency: lat,
    slow: slow.length,
    slowBlame: blame,
    slowUnexplained: unexplained,
    events: summary,
    runtimeLoopDelay: remote.loopDelay,
    loadgenLoopDelay: mine.loopDelay,
    commits: { count: commits.length, ms: commitMs, writes: commitWrites, ...commitsVsRounds },
    checkpointRounds: rounds.map(([kind, t, ms, walFrames, copied, workerMs]) => ({ kind, atS: (t - from) / 1000, ms, walFrames, copied, workerMs })),
    worst: samples
      .slice()
      .sort((a, b) => b[1] - a[1])
      .filter((s, i, all) => i === 0 || s[0] - all[i - 1][0] > 20)
      .slice(0, 5)
      .map(([t, l]) => ({ latencyMs: l, overlapping: intervals.filter((i) => i.t < t + l && i.t + i.ms > t).map((i) => `${i.what} ${i.ms.toFixed(2)}`) })),
  };
}
