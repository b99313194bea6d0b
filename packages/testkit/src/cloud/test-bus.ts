import { randomBytes } from 'node:crypto';
import { busNames } from '@verge/cloud';

/** The NATS server (with JetStream) the tests use: `$VERGE_TEST_NATS_URL`, default the machine's (`.ci/run` starts it). */
export const NATS_TEST_SERVER = process.env['VERGE_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** A bus prefix of its own for one test: subjects, the telemetry stream and the lease bucket never meet another run's. */
export interface TestBus {
  /** What `--bus` takes: the server with `?prefix=`. */
  readonly url: string;
  readonly server: string;
  readonly prefix: string;
  /** Deletes the stream and the lease bucket the clouds created under the prefix. */
  drop(): Promise<void>;
}

export function createTestBus(): TestBus {
  const prefix = `vt-${randomBytes(5).toString('hex')}`;
  return { url: `${NATS_TEST_SERVER}?prefix=${prefix}`, server: NATS_TEST_SERVER, prefix, drop: () => dropBus(prefix) };
}

async function dropBus(prefix: string): Promise<void> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: NATS_TEST_SERVER });
  try {
    const jsm = await nc.jetstreamManager();
    const names = busNames(prefix);
    for (const stream of [names.telemetryStream, `KV_${names.leaseBucket}`]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
