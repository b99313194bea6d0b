// A `verge` CLI command (`cloud start`, `edge start`) run as a child process, the way a user runs it, with the
// memory probe preloaded and an IPC channel to ask it for heap figures. Its own process group (`detached`), so a
// Ctrl-C in the terminal reaches only the soak, which then stops the children in order.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../..');
const VERGE_BIN = join(REPO_ROOT, 'apps/cli/bin/verge.js');
const PROBE = pathToFileURL(join(here, 'memory-probe.mjs')).href;

/**
 * Starts `verge ...args` and resolves once its standard output matches every pattern of `ready` (the lines the
 * command prints when it is up), with the first capture group of each; rejects with the output when it exits first
 * or after `timeoutMs`.
 */
export function startVerge(name, args, { env = {}, ready, timeoutMs = 60_000, onLine } = {}) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, VERGE_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  let output = '';
  const collect = (chunk) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    if (onLine) for (const line of text.split('\n')) if (line.trim() !== '') onLine(line);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const proc = { name, child, pid: child.pid, exited, output: () => output, sampleMemory: (ms) => sampleMemory(child, ms), stop: (ms) => stopChild(proc, ms) };
  const started = new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const check = () => {
      const matches = ready.map((re) => re.exec(output));
      if (matches.every((m) => m !== null)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolveStarted(matches.map((m) => m[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was up; output:\n${output}`));
    });
  });
  return { proc, started };
}

let nextSampleId = 0;
function sampleMemory(child, timeoutMs = 10_000) {
  if (!child.connected) return Promise.resolve(undefined);
  const id = ++nextSampleId;
  return new Promise((resolveSample) => {
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const onMessage = (m) => {
      if (m?.type === 'sample' && m.id === id) done(m);
    };
    function done(value) {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolveSample(value);
    }
    child.on('message', onMessage);
    child.send({ type: 'sample', id }, (err) => err && done(undefined));
  });
}

/** SIGTERM, then SIGKILL (of the whole process group) after `graceMs`; resolves with how it exited. */
async function stopChild(proc, graceMs = 30_000) {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return proc.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => killGroup(child), graceMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return result;
}

/** Last resort, synchronous (usable in an `exit` handler): SIGKILL the child's process group. */
export function killGroup(child) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
