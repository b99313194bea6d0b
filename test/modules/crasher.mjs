// A module that crashes: appends the time it started (epoch ms) to CRASH_LOG, then exits with code 3 after
// CRASH_AFTER_MS (default 200 ms), so the agent's restart policy and backoff (reference azure-iot-edge.md §2.5) can
// be observed from outside.
import { appendFileSync } from 'node:fs';

const log = process.env.CRASH_LOG;
if (log) appendFileSync(log, `${Date.now()}\n`);
console.log(`crasher started at ${new Date().toISOString()}`);
setTimeout(() => process.exit(3), Number(process.env.CRASH_AFTER_MS || '200'));
