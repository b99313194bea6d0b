// Child process of sigkill.test.ts: appends messages to a SQLite message store forever, `inFlight` at a time, and
// writes "ack <n>" to fd 1 synchronously the moment each append resolves (the point where the hub sends PUBACK).
// Runs the BUILT store (apps/edge/dist): `npx tsc -b` first.
import { writeSync } from 'node:fs';
import { openSqliteMessageStore } from '../../../dist/hub/store/index.js';

const [path, synchronous] = process.argv.slice(2);
const store = openSqliteMessageStore({ path, synchronous });
const deliveries = [
  { endpointId: '$upstream', priority: 0, ttlSecs: -1 },
  { endpointId: 'BrokeredEndpoint("/modules/filter/inputs/in1")', priority: 2000000000, ttlSecs: -1 },
];
const inFlight = 64;
let next = 0;

async function worker() {
  for (;;) {
    const n = next++;
    const body = Buffer.alloc(256, n % 251);
    await store.append({ body, properties: { n: String(n) }, systemProperties: { messageId: `m${n}` } }, deliveries);
    ack(`ack ${n}\n`);
  }
}

/** Writes to the pipe synchronously; a full pipe (EAGAIN: the parent reads slower than acks come) is retried. */
function ack(line) {
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

writeSync(1, 'ready\n');
for (let i = 0; i < inFlight; i++) void worker();
