import { createTestBus, startTestCloud, type TestBus, type TestCloud } from '@verge/testkit/cloud';
import { createPgTestSchema, type PgTestSchema } from '../contract/postgres-test-schema.js';

/** Two test clouds (instances `a` and `b`) sharing one fresh PostgreSQL schema and one NATS bus prefix. */
export interface TwoCloudInstances {
  readonly a: TestCloud;
  readonly b: TestCloud;
  readonly schema: PgTestSchema;
  readonly bus: TestBus;
  /** Stops both instances, then drops the bus and the schema. */
  stop(): Promise<void>;
}

/**
 * Starts two cloud instances on one schema and one bus, the scale-out set-up. If a start fails, what was already
 * started is stopped and dropped before the error is thrown, so a failing `beforeAll` leaves nothing behind.
 */
export async function startTwoCloudInstances(): Promise<TwoCloudInstances> {
  const schema = await createPgTestSchema();
  const bus = createTestBus();
  const started: TestCloud[] = [];
  const stop = async (): Promise<void> => {
    for (const cloud of started) await cloud.stop();
    await bus.drop();
    await schema.drop();
  };
  try {
    for (let i = 0; i < 2; i++) started.push(await startTestCloud(undefined, {}, { db: schema.urlWithSchema, bus: bus.url }));
  } catch (err) {
    await stop();
    throw err;
  }
  const [a, b] = started as [TestCloud, TestCloud];
  return { a, b, schema, bus, stop };
}
