import { randomInt } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionStringOf, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { tempDir } from '@verge/testkit';
import { startCloudWithHub, type CloudWithHub } from '@verge/testkit/edge';
import { nextFuzzCase, seededRandom, type FuzzCase, type FuzzIdentity, connectPacket, sasCredentials, sdkRoundTrip } from '@verge/testkit/mqtt';

// Issue 7, item 4: the MQTT front doors of the cloud and of the edge hub, over real TLS, get random and mutated
// packets (mutations of valid CONNECT/PUBLISH/SUBSCRIBE/PINGREQ frames, truncated frames, huge remaining lengths,
// random bytes over TLS and over plain TCP, valid-then-garbage) for a bounded time: ~20 s per target by default,
// VERGE_FUZZ_SECONDS for longer runs, VERGE_FUZZ_SEED to replay a run. Asserted: no crash (the servers run in this
// process: an uncaught exception fails the run), no hang (a fresh Azure SDK client connects and round-trips a
// message afterwards) and a stable heap (after GC, no growth beyond a bound).

const SECONDS = Number(process.env['VERGE_FUZZ_SECONDS'] ?? 20);
const SEED = Number(process.env['VERGE_FUZZ_SEED'] ?? randomInt(2 ** 31));
const CONCURRENCY = 8;
// Heap growth allowed between the warmed-up baseline and the end, both after GC: state a server keeps per
// client (sessions of the few identities used, counters) is small; a leak per connection would be thousands ×.
const MAX_HEAP_GROWTH_BYTES = 24 * 1024 * 1024;
// RSS also holds allocator and TLS buffers that the OS gets back lazily: a looser bound, still far below a leak.
const MAX_RSS_GROWTH_BYTES = 128 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

/** Writes one input, lets the server react for a moment, then drops the socket. */
async function runCase(port: number, ca: string, c: FuzzCase): Promise<'closed' | 'open' | 'no-handshake'> {
  const socket: Socket = c.tls ? tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }) : netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  const ready = await Promise.race([
    new Promise<'ready'>((resolve) => socket.once(c.tls ? 'secureConnect' : 'connect', () => resolve('ready'))),
    closed,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000)),
  ]);
  if (ready !== 'ready') {
    socket.destroy();
    return ready === 'timeout' ? 'no-handshake' : 'closed';
  }
  for (const chunk of c.chunks) {
    if (socket.destroyed) break;
    socket.write(chunk);
  }
  // Dwell time of the fuzz client (not a synchronisation): the server may answer, close, or wait for more.
  const outcome = await Promise.race([closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 150))]);
  socket.destroy();
  return outcome;
}

/** Runs CONCURRENCY fuzz clients against `port` for `ms`; returns counts per input kind and outcome. */
async function fuzz(port: number, ca: string, id: FuzzIdentity, seed: number, ms: number): Promise<Record<string, number>> {
  const rnd = seededRandom(seed);
  const counts: Record<string, number> = {};
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const c = nextFuzzCase(id, rnd);
        const outcome = await runCase(port, ca, c);
        counts[c.kind] = (counts[c.kind] ?? 0) + 1;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

async function fuzzTarget(name: string, port: number, ca: string, id: FuzzIdentity, roundTrip: () => Promise<void>): Promise<void> {
  const seed = SEED ^ [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 0);
  const label = `${name} (VERGE_FUZZ_SEED=${SEED})`;
  try {
    await fuzz(port, ca, id, seed + 1, 2000); // warm-up: caches, JIT, sessions of the identity
    const before = await settledMemory();
    const counts = await fuzz(port, ca, id, seed, SECONDS * 1000);
    const after = await settledMemory();
    console.info(`${label}: ${JSON.stringify(counts)}; heapUsed ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MB, rss ${mb(before.rss)} → ${mb(after.rss)} MB`);
    expect(counts['no-handshake'] ?? 0, `${label}: TLS handshakes the server never answered`).toBe(0);
    expect(after.heapUsed - before.heapUsed, `${label}: heap growth after GC`).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    expect(after.rss - before.rss, `${label}: RSS growth after GC`).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    await roundTrip();
  } catch (e) {
    console.error(`front-door fuzz of ${label} failed; replay with VERGE_FUZZ_SEED=${SEED}`);
    throw e;
  }
}

const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);

/** A fresh, unmodified Azure SDK client: connects, sends a message (PUBACK) and, on the cloud, reads its twin. */
const legitimateRoundTrip = (cs: string, ca: string, twin: boolean): Promise<void> =>
  sdkRoundTrip(cs, ca, { body: { after: 'fuzz' }, twin, timeoutMs: 15_000, failure: 'the legitimate client did not round-trip within 15 s: the server hangs' });

describe('MQTT front-door fuzzing over TLS', () => {
  const tmp = tempDir('verge-fuzz-');
  let t: TestCloud;
  let s: CloudWithHub;

  beforeAll(async () => {
    console.info(`mqtt front-door fuzz: VERGE_FUZZ_SEED=${SEED}, ${SECONDS} s per target`);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    s = await startCloudWithHub(join(tmp.dir, 'hub'));
  });
  afterAll(async () => {
    await s?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('the cloud device endpoint survives random and mutated packets', async () => {
    const fuzzDevice = await t.api.devices.create({ deviceId: 'fuzz-1' });
    const sensor = await t.api.devices.create({ deviceId: 'sensor-1' });
    const key = String(fuzzDevice.authentication?.symmetricKey?.primaryKey);
    const id = { clientId: 'fuzz-1', connect: connectPacket(sasCredentials({ host: 'localhost', clientId: 'fuzz-1', key })) };
    await fuzzTarget('cloud', t.ports.mqtt, t.cloud.caPem, id, () => legitimateRoundTrip(connectionStringOf(t, sensor, `localhost:${t.ports.mqtt}`), t.cloud.caPem, true));
  });

  it('the edge hub survives random and mutated packets', async () => {
    const id = { clientId: s.leaf.deviceId, connect: connectPacket(sasCredentials({ host: 'localhost', clientId: s.leaf.deviceId, key: s.leafKey })) };
    const sensor = await s.t.api.devices.create({ deviceId: 'leaf-2', deviceScope: s.leaf.deviceScope ?? '' });
    const cs = connectionStringOf(s.t, sensor, `localhost:${s.edge.ports.mqtt}`);
    await fuzzTarget('edge hub', s.edge.ports.mqtt, s.edge.edgeCaPem, id, () => legitimateRoundTrip(cs, s.edge.edgeCaPem, false));
  });
});
