// Profiling helpers of bench/edge-hub-profile.mjs: a CPU profile of another Node process through its inspector port
// (Chrome DevTools Protocol over `ws`), a self-time summary of a .cpuprofile by function and by file, and
// `strace -c -f` of a process for a few seconds (syscall counts).
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

/** Profiles the process listening on inspector `port` for `ms` (sampling every `intervalUs`); resolves with the profile. */
export async function profileOverInspector(port, ms, intervalUs = 200) {
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
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: intervalUs });
  await call('Profiler.start');
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await call('Profiler.stop');
  ws.close();
  return profile;
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
