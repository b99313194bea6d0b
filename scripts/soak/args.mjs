// Flags of `npm run soak`; a bad one is one clear line on stderr and exit code 2.
import { resolve } from 'node:path';

export const USAGE = 'usage: npm run soak [-- --minutes 60] [--rate 500] [--sample-sec 60] [--warmup-min N] [--out DIR]';

const FLAGS = {
  '--minutes': { key: 'minutes', min: 0.1, max: 7 * 24 * 60 },
  '--rate': { key: 'rate', min: 1, max: 20_000 },
  '--sample-sec': { key: 'sampleSec', min: 1, max: 3600 },
  '--warmup-min': { key: 'warmupMin', min: 0, max: 7 * 24 * 60 },
  '--out': { key: 'out' },
};

/** Parses `argv` (without node and the script); throws an Error whose message is the one line to print. */
export function parseSoakArgs(argv, nowMs = Date.now()) {
  const o = { minutes: 60, rate: 500, sampleSec: 60, warmupMin: undefined, out: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const spec = FLAGS[flag];
    if (spec === undefined) throw new Error(`unknown flag ${flag}; ${USAGE}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value; ${USAGE}`);
    if (spec.min === undefined) {
      o[spec.key] = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n < spec.min || n > spec.max) throw new Error(`${flag} "${value}" is not a number from ${spec.min} to ${spec.max}`);
    o[spec.key] = n;
  }
  const durationSec = o.minutes * 60;
  // Warm-up: a quarter of the run, at most 10 minutes, unless given.
  const warmupSec = o.warmupMin === undefined ? Math.min(600, durationSec / 4) : o.warmupMin * 60;
  if (warmupSec >= durationSec) throw new Error(`--warmup-min ${o.warmupMin} leaves nothing to analyse in a ${o.minutes}-minute run`);
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  return {
    durationSec,
    rate: o.rate,
    sampleSec: Math.min(o.sampleSec, durationSec),
    warmupSec,
    outDir: resolve(o.out ?? `.verge/soak/${stamp}`),
    // Twin update and direct method: every 30 s, or 4 times in a short run.
    pokeSec: Math.max(5, Math.min(30, durationSec / 4)),
  };
}
