import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import { NoRetry } from 'azure-iot-common';
import { eventually, tempDir } from '@verge/testkit';
import type { Device } from '@verge/api-client';
import { connectionStringOf, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { trackSeqs, type SeqTracker, freeBytes, mountTmpfs, tmpfsProblem, unmountTmpfs } from '@verge/testkit/faults';

// A full disk under the cloud (found by hand: a 24 MiB disk, one device sending 1 kB messages). Its SQLite WAL, with
// a checkpoint mark of ~40 MB, grew until the disk was full, then every telemetry batch failed with SQLITE_FULL (one
// error log line per message), and the WAL could never be checkpointed again: the database file had no room to grow
// into, so the cloud stayed wedged until an operator freed space elsewhere. The cloud must refuse telemetry (no
// PUBACK) BEFORE the disk is full, keep registry and twin writes working in the reserve, lose nothing it acknowledged,
// restart on the nearly full disk, and accept again once space returns. A real small filesystem (tmpfs) holds it.

const MiB = 1024 * 1024;
const DISK_BYTES = 32 * MiB; // default reserve: 8 MiB (2% of the filesystem, at least 8 MiB)
const FILLER_BYTES = 16 * MiB; // other files on the same disk: about 8 MiB above the reserve remain for the cloud
const BODY = 'x'.repeat(1000);
const DEVICE = 'disk-sensor';

const problem = tmpfsProblem();
if (problem !== undefined) console.warn(`SKIPPED test/faults/cloud-full-disk.test.ts: ${problem}`);

describe.skipIf(problem !== undefined)('cloud full disk: refuses telemetry before the disk is full, keeps the registry writable, loses nothing', () => {
  const tmp = tempDir('verge-cloud-disk-');
  const cloudDir = join(tmp.dir, 'cloud');
  const filler = join(cloudDir, 'filler.bin');
  let t: TestCloud;
  let sensor: Device;
  let seqs: SeqTracker;
  const clients: device.Client[] = [];

  beforeAll(async () => {
    mountTmpfs(cloudDir, DISK_BYTES);
    writeFileSync(filler, Buffer.alloc(FILLER_BYTES, 1));
    t = await startTestCloud(cloudDir);
    sensor = await t.api.devices.create({ deviceId: DEVICE });
    seqs = trackSeqs(t.api);
  });

  afterAll(async () => {
    // An SDK client whose sends were refused may wait in its retries on close: do not let it hold the teardown.
    await Promise.race([Promise.allSettled(clients.map((c) => c.close())), new Promise((r) => setTimeout(r, 5_000).unref())]);
    seqs?.stop();
    await t?.cloud.stop();
    unmountTmpfs(cloudDir);
    tmp.cleanup();
  });

  async function openDevice(): Promise<device.Client> {
    const client = device.Client.fromConnectionString(connectionStringOf(t, sensor, `localhost:${t.mqttPort}`), deviceMqtt.Mqtt);
    clients.push(client);
    await client.setOptions({ ca: t.caPem });
    // No SDK retries: a refused send fails (the cloud closes the connection without PUBACK) instead of waiting.
    client.setRetryPolicy(new NoRetry());
    await client.open();
    return client;
  }

  function numbered(n: number): device.Message {
    const m = new device.Message(BODY);
    m.properties.add('seq', String(n));
    return m;
  }

  /** Sends from `from` (20 in flight) until a send fails or `to`; resolves with the acknowledged numbers. */
  async function sendUntilRefused(client: device.Client, from: number, to: number): Promise<{ acked: Set<number>; refused: boolean }> {
    const acked = new Set<number>();
    for (let n = from; n <= to; n += 20) {
      const chunk = Array.from({ length: Math.min(20, to - n + 1) }, (_, i) => n + i);
      const results = await Promise.allSettled(chunk.map((s) => client.sendEvent(numbered(s)).then(() => acked.add(s))));
      if (results.some((r) => r.status === 'rejected')) return { acked, refused: true };
    }
    return { acked, refused: false };
  }

  const cloudFileBytes = (): number => ['cloud.db', 'cloud.db-wal'].reduce((n, f) => n + statSync(join(cloudDir, f), { throwIfNoEntry: false })!.size, 0);
  const refusalOf = (): Promise<unknown> =>
    t.cloud.services.telemetry
      .ingest({ body: Buffer.from('probe'), properties: {}, systemProperties: { connectionDeviceId: DEVICE } })
      .then(() => undefined, (e: unknown) => e);

  it('fills the disk, refuses with CLD_DISK_LOW before SQLITE_FULL, serves registry and twin writes, restarts, accepts again', async () => {
    const first = await sendUntilRefused(await openDevice(), 1, 40_000);
    expect(first.refused, `no refusal after ${first.acked.size} messages`).toBe(true);
    expect(first.acked.size).toBeGreaterThan(500);
    // The guard refused, not SQLite: the reserve is still free.
    expect(await refusalOf()).toMatchObject({ code: 'CLD_DISK_LOW' });
    expect(freeBytes(cloudDir)).toBeGreaterThan(4 * MiB);
    await eventually(() => seqs.missing(`${DEVICE}/`, first.acked).length === 0, { description: `all ${first.acked.size} acknowledged messages stored`, timeoutMs: 30_000 });

    // The control plane works in the reserve: a new device, a desired patch.
    await t.createDevice('disk-sensor-2');
    await t.ok('PATCH', `/twins/${DEVICE}`, { properties: { desired: { interval: 5 } } });
    expect(((await t.ok('GET', `/twins/${DEVICE}`)) as { properties: { desired: { interval?: number } } }).properties.desired.interval).toBe(5);

    // A restart on the nearly full disk: it starts and keeps what it acknowledged. Its close folded the WAL into the
    // database file and truncated it, which gave space back: it takes telemetry until the reserve is reached again.
    await t.restart();
    expect(((await t.ok('GET', `/twins/${DEVICE}`)) as { properties: { desired: { interval?: number } } }).properties.desired.interval).toBe(5);
    const afterRestart = await sendUntilRefused(await openDevice(), Math.max(...first.acked) + 1, 80_000);
    expect(afterRestart.refused).toBe(true);
    expect(await refusalOf()).toMatchObject({ code: 'CLD_DISK_LOW' });
    expect(freeBytes(cloudDir)).toBeGreaterThan(4 * MiB);
    expect(cloudFileBytes()).toBeLessThan(DISK_BYTES - FILLER_BYTES);

    // Space returns (the other files go): telemetry is accepted again at once.
    rmSync(filler);
    const next = Math.max(...first.acked, ...afterRestart.acked) + 1;
    const again = await sendUntilRefused(await openDevice(), next, next + 199);
    expect(again.refused).toBe(false);
    expect(again.acked.size).toBe(200);
    const all = new Set([...first.acked, ...afterRestart.acked, ...again.acked]);
    await eventually(() => seqs.missing(`${DEVICE}/`, all).length === 0, { description: `all ${all.size} acknowledged messages stored`, timeoutMs: 30_000 });
  });
});
