// Child process of bench/edge-hub.mjs and bench/edge-memory.mjs: runs the edge runtime (agent, edge hub, workload
// API) as `verge edge start` does (the bundle when it is current, apps/edge/src/runtime-loader.ts), or the unbundled
// dist build with VERGE_BENCH_EDGE_ENTRY=dist, and answers the driver over IPC (ready → hub port, edge CA, whether
// the bundle runs; rss → memory and CPU; inspect → V8 heap spaces, RSS kinds, largest mappings, optionally a heap
// snapshot; stop → clean shutdown). Not meant to be run by hand: argv[2] is the JSON configuration of startEdge.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { startLoopRecorder } from './profile/loop-recorder.mjs';

// V8 flags set in this process before the runtime loads (measuring what `verge edge start` could set itself, where
// no relaunch with node flags is possible): e.g. VERGE_BENCH_EDGE_V8_FLAGS=--optimize-for-size. Flags that size the
// heap at start-up (--max-semi-space-size) have no effect this way; pass those as node flags (execArgv) instead.
if (process.env.VERGE_BENCH_EDGE_V8_FLAGS) setFlagsFromString(process.env.VERGE_BENCH_EDGE_V8_FLAGS);
const { loadEdgeRuntime } = await import('../apps/edge/dist/runtime-loader.js');

// VERGE_BENCH_EDGE_ENTRY: loader (default), dist, or the path of a copy of a bundle (edge-runtime.bundle.js with its
// bundle-chunks/, in a directory of apps/edge like dist, so ../package.json and node_modules resolve), for A/B runs a
// rebuild cannot change. dist and a copy run without the loader, which bounds the young generation first
// (apps/edge/src/young-generation.ts): VERGE_BENCH_EDGE_V8_FLAGS=--semi-space-growth-factor=1 does what it does.
const entry = process.env.VERGE_BENCH_EDGE_ENTRY ?? 'loader';
const { startEdge, bundled } =
  entry === 'dist'
    ? { ...(await import('../apps/edge/dist/start-edge.js')), bundled: false }
    : entry.endsWith('.js')
      ? { ...(await import(pathToFileURL(resolve(entry)).href)), bundled: entry }
      : await loadEdgeRuntime();

const input = JSON.parse(process.argv[2] ?? 'null');
if (input === null || process.send === undefined) {
  console.error('usage: node bench/edge-server.mjs CONFIG_JSON (started by bench/edge-hub.mjs with an IPC channel)');
  process.exit(2);
}

const edge = await startEdge(input);
// VERGE_BENCH_EDGE_DIAG=1: GC pauses and event-loop stalls of this process, with their times (bench/profile/edge-latency-diag.mjs).
const recorder = process.env.VERGE_BENCH_EDGE_DIAG === '1' ? startLoopRecorder() : undefined;

process.on('message', async (m) => {
  if (m?.type === 'rss') {
    const mem = process.memoryUsage();
    process.send({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed, memory: mem, cpu: process.cpuUsage(), hub: edge.hubStatus() });
  } else if (m?.type === 'inspect') {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
    const snapshot = m.snapshotPath === undefined ? undefined : writeHeapSnapshot(m.snapshotPath);
    process.send({ type: 'inspect', memory: process.memoryUsage(), heap: getHeapStatistics(), spaces, snapshot, rss: rssKinds(), mappings: largestMappings() });
  } else if (m?.type === 'diag') {
    // What the recorder saw since the last request, and the timing probes a diagnostic bundle copy records (if any).
    const probes = globalThis.__vergeDiag;
    globalThis.__vergeDiag = undefined;
    process.send({ type: 'diag', ...(recorder?.take() ?? {}), probes });
  } else if (m?.type === 'stop') {
    await edge.stop();
    process.send({ type: 'stopped' }, () => process.exit(0));
  }
});

/** VmRSS split into anonymous, file-backed and shared memory (kB, /proc/self/status). */
function rssKinds() {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Object.fromEntries(['VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmHWM', 'Threads'].map((k) => [k, Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1])]));
}

/** The mappings holding the most resident memory (kB), from /proc/self/smaps. */
function largestMappings() {
  const out = [];
  let current;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = line.match(/^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+\S+\s*(.*)$/);
    if (head) {
      current = { name: head[3] || '[anon]', sizeKb: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024, rssKb: 0 };
      out.push(current);
    } else if (current && line.startsWith('Rss:')) current.rssKb = Number(line.split(/\s+/)[1]);
  }
  const byName = new Map();
  for (const m of out) {
    const key = m.name === '[anon]' ? `[anon ${m.sizeKb >= 1024 ? Math.round(m.sizeKb / 1024) + 'MB' : 'small'}]` : m.name;
    const e = byName.get(key) ?? { name: key, count: 0, rssKb: 0 };
    e.count += 1;
    e.rssKb += m.rssKb;
    byName.set(key, e);
  }
  return [...byName.values()].sort((a, b) => b.rssKb - a.rssKb).slice(0, 15);
}

process.send({ type: 'ready', port: edge.ports.mqtt, edgeCaPem: edge.edgeCaPem, bundled });
