#!/usr/bin/env node
// `npm run bench`: builds as `npm run build` does (tsc -b, quick when up to date, then the edge runtime bundle that
// `verge edge start` runs), then runs every benchmark in bench/ one after the other,
// alphabetically, with their own output. A benchmark is a bench/*.mjs that no other bench file refers to: helpers
// (imported modules, child processes forked by a benchmark) are named by the benchmark that uses them, so adding
// a benchmark needs no list to update. Arguments after `--` go to every benchmark (e.g. `-- --json`). Exits 1 when
// any benchmark failed, after running the others.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const files = readdirSync(benchDir).filter((f) => f.endsWith('.mjs')).sort();
const texts = new Map(files.map((f) => [f, readFileSync(join(benchDir, f), 'utf8')]));
const referenced = (name) => files.some((other) => other !== name && texts.get(other).includes(`./${name}`));
const benchmarks = files.filter((f) => !referenced(f));
const extra = process.argv.slice(2);

for (const [what, args] of [
  ['tsc -b', [join(root, 'node_modules/typescript/bin/tsc'), '-b']],
  ['the edge runtime bundle', [join(root, 'scripts/bundle-edge.mjs')]],
]) {
  const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(`bench: the build (${what}) failed`);
    process.exit(1);
  }
}

const results = [];
for (const file of benchmarks) {
  console.log(`\n=== bench/${file}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(benchDir, file), ...extra], { cwd: root, stdio: 'inherit' });
  results.push({ file, status: run.status ?? run.signal, seconds: (Date.now() - started) / 1000 });
}
console.log('\n=== summary');
for (const r of results) console.log(`  ${r.status === 0 ? 'ok    ' : 'FAILED'} bench/${r.file} (${r.seconds.toFixed(0)} s)${r.status === 0 ? '' : `: exit ${r.status}`}`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
