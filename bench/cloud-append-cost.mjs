#!/usr/bin/env node
// CPU per telemetry message of the cloud's two ingest back ends, in-process and at a fixed batch size, so a change
// can be compared without the noise of the end-to-end benchmark (bench/cloud-scale.mjs, whose batch sizes follow
// the machine's load): not a goal, a measuring tool.
//   store: appends through the PostgreSQL telemetry store (group commit; `--batch` appends per commit, `--in-flight`
//          commits at once); this process's CPU and that of its PostgreSQL backends (+ WAL writer) per message.
//   bus:   stored records published to the JetStream telemetry stream (`startTelemetryStream` over the PubAck
//          publisher, as `verge cloud start --bus` does); this process's CPU and nats-server's per message.
// Rounds alternate the builds named by --dist (default: this tree's apps/cloud/dist), so the machine's noise hits
// each alike. Prints one line per round and build, and the median of each build.
//   npx tsc -b && node bench/cloud-append-cost.mjs [--part store,bus] [--messages 20000] [--batch 250] [--in-flight 2]
//     [--rounds 3] [--dist /tmp/old-cloud-dist,apps/cloud/dist]
import { readFile } from 'node:fs/promises';
import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchSchema, listenerPid, pgBackendPids, procStat } from './host-stats.mjs';
import { createTestBus } from '../packages/testkit/dist/cloud/index.js';

const { values: args } = parseArgs({
  options: {
    part: { type: 'string', default: 'store,bus' },
    messages: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '250' },
    'in-flight': { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    dist: { type: 'string', default: 'apps/cloud/dist' },
  },
});
const MESSAGES = Number(args.messages);
const BATCH = Number(args.batch);
const DISTS = args.dist.split(',').map((d) => resolve(d.trim()));
const silent = { child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/** A message as the MQTT path builds it: 256 B body, no application properties, the system properties it stamps. */
function entry(i) {
  const deviceId = `scale-${String(i % 100).padStart(5, '0')}`;
  const enqueuedAtMs = Date.now();
  return {
    deviceId,
    enqueuedAtMs,
    message: {
      body: Buffer.alloc(256, 0x61),
      properties: {},
      systemProperties: { connectionDeviceId: deviceId, connectionAuthMethod: '{"scope":"device","type":"sas","issuer":"iothub"}', enqueuedTime: new Date(enqueuedAtMs).toISOString() },
    },
  };
}

const sumCpu = async (pids) => (await Promise.all(pids.map(procStat))).reduce((s, p) => s + (Number.isFinite(p.cpuMs) ? p.cpuMs : 0), 0);

/** Write system calls (write, writev, sendmsg…) this process has made, from /proc/self/io. */
async function writeCalls() {
  const io = await readFile('/proc/self/io', 'utf8');
  return Number(/syscw: (\d+)/.exec(io)?.[1] ?? Number.NaN);
}

/** Runs `work` and returns µs of this process's CPU and of `peerPids()`'s per message. */
async function costOf(work, peerPids) {
  const peers = await peerPids();
  const peerBefore = await sumCpu(peers);
  const writesBefore = await writeCalls();
  const before = cpuUsage();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const own = cpuUsage(before);
  const writes = (await writeCalls()) - writesBefore;
  const peerMs = (await sumCpu(peers)) - peerBefore;
  return { ownUs: (own.user + own.system) / MESSAGES, peerUs: (peerMs * 1000) / MESSAGES, msgsPerSec: (MESSAGES * 1000) / ms, writesPerMsg: writes / MESSAGES };
}

async function storeRound(dist) {
  const { openPostgresCloudStore } = await import(pathToFileURL(`${dist}/store/postgres/postgres-cloud-store.js`).href);
  const schema = await createBenchSchema('verge_bench_append');
  const store = await openPostgresCloudStore({ url: schema.url, telemetry: { maxBatch: BATCH, maxInFlight: Number(args['in-flight']) } });
  try {
    await Promise.all(Array.from({ length: 2 * BATCH }, (_, i) => store.telemetry.append(entry(i)))); // warm-up: connections, prepared statements
    return await costOf(
      async () => {
        // Keeps in-flight x batch appends outstanding, as many devices would.
        const window = BATCH * Number(args['in-flight']);
        let next = 0;
        await Promise.all(
          Array.from({ length: window }, async () => {
            while (next < MESSAGES) {
              next += 1;
              await store.telemetry.append(entry(next));
            }
          }),
        );
      },
      () => pgBackendPids([process.pid]),
    );
  } finally {
    await store.close();
    await schema.drop();
  }
}

async function busRound(dist) {
  const { openCloudBus } = await import(pathToFileURL(`${dist}/bus/open-cloud-bus.js`).href);
  const testBus = createTestBus();
  const bus = await openCloudBus({ url: testBus.url, instanceId: 'bench', log: silent, telemetryMaxAgeMs: 600_000, leaseTtlMs: 30_000, telemetryLimits: { maxInFlight: 256, maxQueued: MESSAGES * 2 } });
  const natsPid = await listenerPid(new URL(testBus.server).port || '4222');
  try {
    const stream = bus.startTelemetry();
    const publishAll = async (from, count) => {
      for (let i = from; i < from + count; i++) {
        bus.events.publish('telemetry', { record: { ...entry(i), sequenceNumber: i + 1, sizeBytes: 300 } });
        if (i % BATCH === BATCH - 1) await new Promise((r) => setImmediate(r)); // batches arrive as commits do
      }
      while (stream.stats().queued > 0 || stream.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    };
    await publishAll(0, 2 * BATCH);
    return await costOf(() => publishAll(2 * BATCH, MESSAGES), () => [natsPid]);
  } finally {
    await bus.close();
    await testBus.drop();
  }
}

const parts = args.part.split(',').map((p) => p.trim());
const results = [];
const loadStart = loadavg();
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const part of parts) {
    for (const dist of DISTS) {
      const r = part === 'store' ? await storeRound(dist) : await busRound(dist);
      results.push({ part, dist, ...r });
      const peer = part === 'store' ? 'postgres' : 'nats-server';
      console.log(`round ${round} ${part.padEnd(5)} ${dist}: ${r.ownUs.toFixed(1)} µs cloud + ${r.peerUs.toFixed(1)} µs ${peer} per message, ${r.writesPerMsg.toFixed(3)} socket writes per message, ${r.msgsPerSec.toFixed(0)} msgs/s`);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const part of parts) {
  for (const dist of DISTS) {
    const rs = results.filter((r) => r.part === part && r.dist === dist);
    console.log(`median ${part.padEnd(5)} ${dist}: ${median(rs.map((r) => r.ownUs)).toFixed(1)} µs cloud + ${median(rs.map((r) => r.peerUs)).toFixed(1)} µs ${part === 'store' ? 'postgres' : 'nats-server'}`);
  }
}
console.log(`load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);
