// Scale-out as docs/scale-out/nats-bus.md runs it: HAProxy (TCP mode, the guide's template rendered) in front of cloud instances
// (the built `verge cloud start`, one process each) on one PostgreSQL schema and one NATS bus prefix, and unmodified
// Azure SDK devices that only know HAProxy's address. SIGKILL of one instance: its devices reconnect through HAProxy
// to the other, and every message a device got a PUBACK for is stored (at least once; duplicates are counted).
// SIGTERM of the next: it stops being ready at once, drains, exits 0, and again no acknowledged message is missing.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceSasToken, parseConnectionString } from '@verge/core';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { httpsCall } from '@verge/testkit/faults';
import { createTestBus, haproxyAvailable, shareCloudCa, startCloudProcess, startHaproxy, type CloudProcess, type RunningHaproxy, type TestBus } from '@verge/testkit/cloud';
import { createPgTestSchema, type PgTestSchema } from '../contract/postgres-test-schema.js';
import { deviceConnectionString, Message, SdkClients, type DeviceClient } from './sdk-support/sdk-clients.js';

const built = existsSync(fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url)));
const DEVICES = 6;

interface Instance {
  readonly name: string;
  readonly dataDir: string;
  readonly ports: { http: number; https: number; mqtt: number };
  proc?: CloudProcess;
}

/** One device sending numbered messages one after another; a message counts as accepted once sendEvent resolved. */
class Sender {
  readonly acked: number[] = [];
  lastError: unknown;
  private next = 1;
  private running = true;
  readonly done: Promise<void>;

  constructor(
    readonly deviceId: string,
    private readonly client: DeviceClient,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const seq = this.next;
      const message = new Message(JSON.stringify({ seq }));
      message.properties.add('seq', String(seq));
      try {
        // The SDK waits for its connection (reconnecting through HAProxy) and its own retries; a send that has no
        // answer after 15 s is sent again (the earlier attempt, if it was stored after all, is a duplicate).
        await withTimeout(this.client.sendEvent(message), 15_000);
        this.acked.push(seq);
        this.next += 1;
      } catch (e) {
        this.lastError = e; // not acknowledged: send the same number again
      }
    }
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer));
}

// Without HAProxy the suite is skipped, loudly; under CI (which installs HAProxy) it runs and fails instead.
const withHaproxy = haproxyAvailable() || process.env['CI'] === 'true';
if (!withHaproxy) console.warn('SKIPPED: scale-out behind HAProxy: no haproxy binary (apt-get install haproxy)');

describe.runIf(built && withHaproxy)('scale-out behind HAProxy (PostgreSQL, NATS, built CLI)', () => {
  const dirs: { cleanup(): Promise<void> | void }[] = [];
  const clients = new SdkClients();
  let schema: PgTestSchema;
  let bus: TestBus;
  let lb: RunningHaproxy | undefined;
  const instances: Instance[] = [];

  const instance = async (name: string): Promise<Instance> => {
    const t = tempDir();
    dirs.push(t);
    const i: Instance = { name, dataDir: join(t.dir, name), ports: { http: await freePort(), https: await freePort(), mqtt: await freePort() } };
    instances.push(i);
    return i;
  };
  const start = async (i: Instance): Promise<CloudProcess> => {
    const first = instances[0];
    if (first !== undefined && first !== i && !existsSync(join(i.dataDir, 'ca.pem'))) await shareCloudCa(first.dataDir, i.dataDir);
    i.proc = await startCloudProcess({ dataDir: i.dataDir, ports: i.ports, db: schema.urlWithSchema, bus: bus.url, drainTimeoutMs: 10_000 });
    return i.proc;
  };

  beforeAll(async () => {
    schema = await createPgTestSchema();
    bus = createTestBus();
  });
  afterAll(async () => {
    await clients.closeAll();
    await lb?.stop();
    for (const i of instances) await i.proc?.kill();
    await bus?.drop();
    await schema?.drop();
    for (const d of dirs) await d.cleanup();
  });

  it('SIGKILL and SIGTERM of an instance: devices reconnect through HAProxy, every acknowledged message is stored', async () => {
    const [a, b, c] = [await instance('cloud-a'), await instance('cloud-b'), await instance('cloud-c')];
    const procA = await start(a);
    await start(b);
    const lbDir = tempDir();
    dirs.push(lbDir);
    lb = await startHaproxy(lbDir.dir, {
      instances: [a, b, c].map((i) => ({ name: i.name, mqttPort: i.ports.mqtt, httpsPort: i.ports.https, httpPort: i.ports.http })),
      mqttPort: await freePort(),
      httpsPort: await freePort(),
    });
    const service = serviceRest(procA.serviceConnectionString);
    const caPem = await readFile(join(a.dataDir, 'ca.pem'), 'utf8');

    const senders: Sender[] = [];
    for (let n = 0; n < DEVICES; n++) {
      const deviceId = `lb-dev-${n}`;
      // Registered through HAProxy's HTTPS front: either instance answers, both see the one registry.
      const key = await service.createDevice(lb.httpsPort, caPem, deviceId);
      const client = await clients.device(deviceConnectionString({ hostName: 'localhost', deviceId, key, port: lb.mqttPort }), { ca: caPem });
      senders.push(new Sender(deviceId, client));
    }
    const ackedBy = (min: number, marks: number[]): boolean => {
      if (senders.every((s, k) => s.acked.length >= (marks[k] ?? 0) + min)) return true;
      const behind = senders.filter((s, k) => s.acked.length < (marks[k] ?? 0) + min);
      throw new Error(behind.map((s) => `${s.deviceId}: ${s.acked.length} acknowledged, last error ${String(s.lastError)}`).join('; '));
    };
    const mark = (): number[] => senders.map((s) => s.acked.length);
    await eventually(() => ackedBy(5, []), { timeoutMs: 60_000, description: 'every device sending through HAProxy' });
    await eventually(async () => (await connectedOn(a)) > 0 && (await connectedOn(b)) > 0, { timeoutMs: 30_000, description: 'devices spread over both instances' });

    // SIGKILL: a crash. The devices held by A lose their connection; each reconnects through HAProxy (connect to A
    // refused, redispatched to B) and keeps sending.
    await a.proc?.kill();
    const afterKill = mark();
    await eventually(() => ackedBy(5, afterKill), { timeoutMs: 90_000, description: 'every device acknowledged again after the SIGKILL' });

    // A third instance joins (HAProxy's check finds it ready), then B gets SIGTERM and drains: not ready at once.
    const procC = await start(c);
    await eventually(async () => (await connectedOn(b)) === DEVICES, { timeoutMs: 30_000, description: 'all devices on B' });
    const procB = b.proc;
    if (procB === undefined) throw new Error('B never started');
    const exitedB = procB.exited;
    procB.child.kill('SIGTERM');
    const exit = await exitedB;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(procB.stderr()).not.toMatch(/drain timeout/);
    const afterDrain = mark();
    await eventually(() => ackedBy(5, afterDrain), { timeoutMs: 90_000, description: 'every device acknowledged again after the drain of B' });
    expect(await connectedOn(c)).toBe(DEVICES);

    await Promise.all(senders.map((s) => s.stop()));
    let duplicates = 0;
    let accepted = 0;
    for (const s of senders) {
      const stored = await service.storedSeqs(procC.httpUrl, s.deviceId);
      const missing = s.acked.filter((seq) => (stored.get(seq) ?? 0) === 0);
      expect(missing, `acknowledged but not stored for ${s.deviceId}`).toEqual([]);
      accepted += s.acked.length;
      for (const count of stored.values()) duplicates += Math.max(0, count - 1);
    }
    console.info(`scale-out: ${accepted} messages acknowledged over ${DEVICES} devices, all stored; ${duplicates} stored twice (resent after a lost PUBACK)`);
  });

  /** Device connections HAProxy holds to the instance (its `show stat` sessions of the MQTT backend). */
  async function connectedOn(i: Instance): Promise<number> {
    return (await lb?.sessions('verge_mqtt'))?.get(i.name) ?? 0;
  }
});

/** Owner-authenticated REST against any instance (or HAProxy's HTTPS front). */
function serviceRest(connectionString: string) {
  const cs = parseConnectionString(connectionString);
  if (cs.kind !== 'service') throw new Error('not a service connection string');
  const token = (): string =>
    createServiceSasToken({ hostName: cs.hostName, policyName: cs.sharedAccessKeyName, key: cs.sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + 3600 });
  return {
    async createDevice(httpsPort: number, caPem: string, deviceId: string): Promise<string> {
      const res = await httpsCall(`https://localhost:${httpsPort}/devices/${encodeURIComponent(deviceId)}`, {
        ca: caPem,
        method: 'PUT',
        headers: { authorization: token(), 'content-type': 'application/json' },
        body: JSON.stringify({ deviceId, authentication: { type: 'sas' } }),
      });
      if (res.status !== 200) throw new Error(`PUT /devices/${deviceId} through HAProxy → ${res.status} ${res.text}`);
      return (JSON.parse(res.text) as { authentication: { symmetricKey: { primaryKey: string } } }).authentication.symmetricKey.primaryKey;
    },
    async storedSeqs(httpUrl: string, deviceId: string): Promise<Map<number, number>> {
      const res = await fetch(`${httpUrl}/messages?limit=1000&deviceId=${encodeURIComponent(deviceId)}`, { headers: { authorization: token() } });
      const list = (await res.json()) as { properties: Record<string, string> }[];
      const counts = new Map<number, number>();
      for (const m of list) {
        const seq = Number(m.properties['seq']);
        counts.set(seq, (counts.get(seq) ?? 0) + 1);
      }
      return counts;
    },
  };
}
