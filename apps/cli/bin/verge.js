#!/usr/bin/env node
// `verge edge start` runs for months: it bounds V8's young generation before the CLI's modules load, which would
// otherwise grow it to 2×8 MiB that an idle edge runtime keeps (issue 8, apps/edge/src/young-generation.ts).
if (process.argv[2] === 'edge' && process.argv[3] === 'start') (await import('@verge/edge/runtime-loader')).boundYoungGeneration();
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv);
