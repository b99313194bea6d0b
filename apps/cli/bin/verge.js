#!/usr/bin/env node
// `verge edge start` runs for months: it bounds V8's young generation before the CLI's modules load, which would
// otherwise grow it to 2×8 MiB that an idle edge runtime keeps (issue 8, apps/edge/src/young-generation.ts), and
// runs the bundled command (the edge-start command and the runtime in one bundle) rather than the whole CLI while
// that bundle is current (apps/edge/src/runtime-loader.ts).
let entry = '../dist/main.js';
if (process.argv[2] === 'edge' && process.argv[3] === 'start') {
  const loader = await import('@verge/edge/runtime-loader');
  loader.boundYoungGeneration();
  entry = loader.bundledEdgeStartCommand() ?? entry;
}
const { main } = await import(entry);

process.exitCode = await main(process.argv);
