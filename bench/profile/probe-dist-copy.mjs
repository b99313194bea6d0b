// Helper of bench/profile/edge-latency-diag.mjs (--probes): a throwaway copy of the edge runtime's dist build with
// timing probes patched into two files, recording into globalThis.__vergeDiag (read over IPC by bench/edge-server.mjs):
// every group commit [start ms since the epoch, duration ms, writes] (hub/store/group-commit.js) and every WAL
// checkpoint round [kind, start, duration ms, WAL frames, frames copied, the worker's own ms]
// (hub/store/wal-checkpointer.js). The copy lives next to dist (apps/edge/<name>: the build resolves
// ../package.json and node_modules from there); `remove()` deletes it. The patches match the tsc output of
// today's sources and fail loudly when it changed.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const edgeDir = fileURLToPath(new URL('../../apps/edge/', import.meta.url));
const D = '(globalThis.__vergeDiag ??= { commits: [], rounds: [] })';
const now = 'performance.timeOrigin + performance.now()';
const PATCHES = {
  'hub/store/group-commit.js': [
    [
      '        const batch = this.batch.splice(0, this.options.maxBatchSize);\n        const results = this.tryTogether(batch);',
      `        const batch = this.batch.splice(0, this.options.maxBatchSize);\n        const __t0 = ${now};\n        const results = this.tryTogether(batch);\n        ${D}.commits.push([__t0, ${now} - __t0, batch.length]);`,
    ],
  ],
  'hub/store/wal-checkpointer.js': [
    [
      '            const first = await this.runner.round(false);',
      `            const __r0 = ${now};\n            const first = await this.runner.round(false);\n            ${D}.rounds.push(['concurrent', __r0, ${now} - __r0, first.walFrames, first.checkpointedFrames, first.durationMs]);`,
    ],
    [
      '            const last = await runner.round(true);',
      `            const __f0 = ${now};\n            const last = await runner.round(true);\n            ${D}.rounds.push(['final', __f0, ${now} - __f0, last.walFrames, last.checkpointedFrames, last.durationMs]);`,
    ],
  ],
};

/** Makes the copy; returns { entry (its start-edge.js, for VERGE_BENCH_EDGE_ENTRY), remove() }. */
export function makeProbeDistCopy(name = `probe-dist-${process.pid}`) {
  const dst = `${edgeDir}${name}`;
  rmSync(dst, { recursive: true, force: true });
  cpSync(`${edgeDir}dist`, dst, { recursive: true, filter: (p) => !/bundle-chunks|\.bundle\.(js|inputs)/.test(p) });
  try {
    for (const [file, pairs] of Object.entries(PATCHES)) {
      let text = readFileSync(`${dst}/${file}`, 'utf8');
      for (const [from, to] of pairs) {
        if (!text.includes(from)) throw new Error(`probe patch: ${file} no longer contains the line it patches (rebuilt from changed sources?)`);
        text = text.replace(from, to);
      }
      writeFileSync(`${dst}/${file}`, text);
    }
  } catch (err) {
    rmSync(dst, { recursive: true, force: true });
    throw err;
  }
  return { entry: `${dst}/start-edge.js`, remove: () => rmSync(dst, { recursive: true, force: true }) };
}
