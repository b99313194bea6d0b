// Profiling helpers of bench/edge-hub-profile.mjs: a CPU profile of another Node process through its inspector port
// (Chrome DevTools Protocol over `ws`), a self-time summary of a .cpuprofile by function and by file, and
// `strace -c -f` of a process for a few seconds (syscall counts).
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

/** Opens a DevTools Protocol session to the process listening on inspector `port`: { call(method, params), close() }. */
async function inspectorSession(port) {
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      id += 1;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** Profiles the process listening on inspector `port` for `ms` (sampling every `intervalUs`); resolves with the profile. */
export async function profileOverInspector(port, ms, intervalUs = 200) {
  const { call, close } = await inspectorSession(port);
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: intervalUs });
  await call('Profiler.start');
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await call('Profiler.stop');
  close();
  return profile;
}

/**
 * Samples the allocations of the process listening on inspector `port` for `ms` (one sample per `intervalBytes`
 * allocated on average); resolves with bytes allocated by function, largest first. All allocations, or with
 * `survivors` only those that outlived a scavenge (promoted to the old generation or still young at the end: what
 * makes scavenges slow and mark-compacts frequent).
 */
export async function allocationsOverInspector(port, ms, { intervalBytes = 4096, top = 30, survivors = false } = {}) {
  const { call, close } = await inspectorSession(port);
  await call('HeapProfiler.enable');
  await call('HeapProfiler.startSampling', { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await call('HeapProfiler.stopSampling');
  close();
  const byFn = new Map();
  let total = 0;
  const walk = (node, parent) => {
    const c = node.callFrame;
    const name = `${c.functionName || '(anonymous)'} ${shortUrl(c.url) || '(native)'}${c.url ? `:${c.lineNumber + 1}` : ''}`;
    if (node.selfSize > 0) {
      const key = `${name} <- ${parent}`;
      byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, name);
  };
  walk(profile.head, '');
  const functions = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => ({ name, kB: Math.round(bytes / 1024), share: Math.round((bytes / total) * 1000) / 1000 }));
  return { totalBytes: total, functions };
}

/** Self time of a profile by function and by file: [{ name, ms, share }], largest first. */
export function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const files = new Map();
  for (const [nodeId, us] of selfUs) {
    const { callFrame: c } = byId.get(nodeId);
    const file = shortUrl(c.url) || `(${c.functionName || 'native'})`;
    const fn = `${c.functionName || '(anonymous)'} ${file}${c.url ? `:${c.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, idleMs: (fns.get('(idle) (idle)') ?? 0) / 1000, functions: rank(fns), files: rank(files) };
}

function shortUrl(url) {
  if (!url) return '';
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const j = url.search(/\/(apps|packages)\//);
  return j >= 0 ? url.slice(j + 1) : url.replace(/^file:\/\//, '');
}

/** `strace -c -f -p pid` for `ms`; resolves with { syscall: calls } (strace must be installed). */
export function straceCounts(pid, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    const timer = setTimeout(() => child.kill('SIGINT'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      const counts = {};
      for (const line of err.split('\n')) {
        const m = line.trim().match(/^[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/);
        if (m) counts[m[2]] = Number(m[1]);
      }
      resolve(counts);
    });
  });
}
