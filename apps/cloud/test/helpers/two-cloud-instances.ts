import { busNames } from '@verge/cloud';
import { createTestBus, startTestCloud, type TestBus, type TestCloud, type TestCloudOptions } from '@verge/testkit/cloud';
import { createPgTestSchema, type PgTestSchema } from '../contract/postgres-test-schema.js';

/** Two test clouds (instances `a` and `b`) sharing one fresh PostgreSQL schema and one NATS bus prefix. */
export interface TwoCloudInstances {
  readonly a: TestCloud;
  readonly b: TestCloud;
  readonly schema: PgTestSchema;
  readonly bus: TestBus;
  /**
   * Halts `cloud`'s lease-guarded background work (jobs, deployment evaluation, rollouts) where it stands and leaves
   * its leases held, as a crashed process does: another instance gets them only after their TTL. The workers stop
   * through their own `stop()` (a job run records the devices it finished, unlike a crash, which loses its batch in
   * flight). The API and device listeners stay up (tests read from the other instance); `stop()` ends them.
   */
  halt(cloud: TestCloud): Promise<void>;
  /** The instance id holding lease `name` (`jobs`, `deployments`, `rollouts`, `retention`), undefined while free. */
  leaseHolder(name: string): Promise<string | undefined>;
  /** Lease `name` as the KV bucket holds it: its holder and revision (each renewal writes a new one); undefined while free. */
  lease(name: string): Promise<{ readonly holder: string; readonly revision: number } | undefined>;
  /** The instance id of `cloud` (the `cloud_instance` label of its metrics), as lease values name it. */
  instanceId(cloud: TestCloud): Promise<string>;
  /** Stops both instances, then drops the bus and the schema. */
  stop(): Promise<void>;
}

/**
 * Starts two cloud instances on one schema and one bus, the scale-out set-up, both with `options`; `a` starts first,
 * so it takes the leases its start-up passes ask for. `retention.pruneIntervalMs` sets the lease TTL (three intervals,
 * at least 1 s) and how often each holder renews (one interval, 333 ms to 10 s): a test frees a dead holder's leases
 * quickly through configuration, not by sleeping. If a start fails, what was already started is stopped and dropped
 * before the error is thrown, so a failing `beforeAll` leaves nothing behind.
 */
export async function startTwoCloudInstances(options: Omit<TestCloudOptions, 'db' | 'bus'> = {}): Promise<TwoCloudInstances> {
  const schema = await createPgTestSchema();
  const bus = createTestBus();
  const started: TestCloud[] = [];
  const stop = async (): Promise<void> => {
    for (const cloud of started) await cloud.stop();
    await bus.drop();
    await schema.drop();
  };
  try {
    for (let i = 0; i < 2; i++) started.push(await startTestCloud(undefined, {}, { ...options, db: schema.urlWithSchema, bus: bus.url }));
  } catch (err) {
    await stop();
    throw err;
  }
  const [a, b] = started as [TestCloud, TestCloud];
  return { a, b, schema, bus, stop, halt, leaseHolder: async (name) => (await lease(bus, name))?.holder, lease: (name) => lease(bus, name), instanceId };
}

async function halt(cloud: TestCloud): Promise<void> {
  const { services } = cloud.cloud;
  await Promise.all([services.jobRunner.stop(), services.automaticDeployments.stop(), services.rollouts.stop()]);
}

async function lease(bus: TestBus, name: string): Promise<{ holder: string; revision: number } | undefined> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: bus.server });
  try {
    const kv = await nc.jetstream().views.kv(busNames(bus.prefix).leaseBucket, { bindOnly: true });
    const entry = await kv.get(name);
    return entry === null || entry.operation !== 'PUT' ? undefined : { holder: entry.string(), revision: entry.revision };
  } finally {
    await nc.close();
  }
}

async function instanceId(cloud: TestCloud): Promise<string> {
  const res = await fetch(`${cloud.cloud.urls.http}/metrics`, { headers: { authorization: cloud.serviceToken() } });
  const id = /cloud_instance="([^"]+)"/.exec(await res.text())?.[1];
  if (id === undefined) throw new Error(`the metrics of ${cloud.cloud.urls.http} name no cloud_instance (status ${res.status})`);
  return id;
}
