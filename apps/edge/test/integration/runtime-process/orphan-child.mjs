// Child process of process-specifics.test.ts: an edge runtime that starts one process module, prints its pid, and
// waits to be SIGKILLed (so it cannot stop the module). Runs the BUILT runtime (apps/edge/dist): `npx tsc -b` first.
import { writeSync } from 'node:fs';
import { ProcessModuleRuntime } from '../../../dist/runtime/index.js';

const [dataDir] = process.argv.slice(2);
const runtime = await ProcessModuleRuntime.open({ dataDir });
const script = "console.log('orphan says hi');process.on('SIGTERM',()=>{console.log('orphan got SIGTERM');process.exit(0)});setInterval(()=>{},1000);";
const spec = { id: 'orphan', type: 'process', status: 'running', restartPolicy: 'always', startupOrder: 0, imagePullPolicy: 'on-create', env: {}, settings: { command: process.execPath, args: ['-e', script] } };
await runtime.createModule(spec, { configHash: 'h', env: {} });
await runtime.startModule('orphan');
// Wait until the module's first line is logged (and so on disk), then report.
for (;;) {
  const texts = [];
  for await (const line of runtime.logs('orphan')) texts.push(line.text);
  if (texts.includes('orphan says hi')) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const [module] = await runtime.observe();
writeSync(1, `pid ${module.pid}\n`);
setInterval(() => {}, 1000);
