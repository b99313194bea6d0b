// Micro-benchmark of the edge hub's SQLite message store: durable appends/s with group commit (the default: one
// transaction per event-loop turn) against one transaction per message (maxBatchSize 1), in the same run, for
// synchronous=NORMAL and FULL; plus append→durable latency. 256-byte bodies, two queues per message (an upstream
// route and a module route), `inFlight` appends outstanding like a hub with many publishers.
// Usage: npx tsc -b && node bench/hub-store.mjs [--seconds 2] [--rounds 3] [--in-flight 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteMessageStore } from '../apps/edge/dist/hub/store/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' }, 'in-flight': { type: 'string', default: '1000' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const inFlight = Number(values['in-flight']);

const deliveries = [
  { endpointId: '$upstream', priority: 2000000000, ttlSecs: 7200 },
  { endpointId: 'BrokeredEndpoint("/modules/filter/inputs/in1")', priority: 2000000000, ttlSecs: 7200 },
];
const body = Buffer.alloc(256, 7);
const message = { body, properties: { temp: '21.5' }, systemProperties: { connectionDeviceId: 'dev', connectionModuleId: 'sensor', messageId: 'x' } };

/** Appends for `seconds` with `inFlight` outstanding; returns msgs/s and latency percentiles (ms). */
async function run(synchronous, maxBatchSize) {
  const dir = mkdtempSync(join(tmpdir(), 'verge-bench-store-'));
  const store = openSqliteMessageStore({ path: join(dir, 'messages.db'), synchronous, maxBatchSize, maxBytes: 8 * 1024 ** 3 });
  const latencies = [];
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await store.append(message, deliveries);
      latencies.push(performance.now() - t0);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { rate: done / elapsed, p50: pct(0.5), p99: pct(0.99) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

const rows = [];
for (const synchronous of ['NORMAL', 'FULL']) {
  const group = [];
  const single = [];
  // Interleaved rounds, so drift of the machine hits both methods alike.
  for (let r = 0; r < rounds; r++) {
    group.push(await run(synchronous, 1000));
    single.push(await run(synchronous, 1));
  }
  const ratios = group.map((g, i) => g.rate / single[i].rate);
  rows.push({ synchronous, method: 'group commit (per event-loop turn, ≤1000)', runs: group, ratio: median(ratios) });
  rows.push({ synchronous, method: 'one transaction per message', runs: single, ratio: 1 });
}

console.log(`hub message store: 256-byte bodies, 2 queues per message, ${inFlight} appends in flight, ${rounds} × ${seconds} s per method`);
console.log('| synchronous | method | appends/s (median [min–max]) | append→durable p50 / p99 ms | × vs per-message |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const rates = r.runs.map((x) => x.rate);
  const lat = `${median(r.runs.map((x) => x.p50)).toFixed(2)} / ${median(r.runs.map((x) => x.p99)).toFixed(2)}`;
  console.log(`| ${r.synchronous} | ${r.method} | ${fmt(median(rates))} [${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}] | ${lat} | ${r.ratio.toFixed(1)} |`);
}
