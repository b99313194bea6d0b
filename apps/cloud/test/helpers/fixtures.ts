import { join } from 'node:path';
import { createServiceSasToken } from '@verge/core';
import { FakeClock, silentLog, tempDir } from '@verge/testkit';
import { createCloudServices, type CloudServices } from '../../src/cloud-services.js';
import { createInProcessEventBus } from '../../src/events/in-process-event-bus.js';
import type { EventBus } from '../../src/events/event-bus.js';
import { buildApp, type ServiceApp } from '../../src/http/app.js';
import { createCloudMetrics, storeFleetGauges } from '../../src/metrics/index.js';
import type { ServiceContext } from '../../src/services/context.js';
import { IOT_HUB_C2D_LIMITS } from '../../src/services/c2d-service.js';
import { systemRandom } from '../../src/services/system-sources.js';
import type { DeviceGateway } from '../../src/services/types.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import type { CloudStore } from '../../src/store/ports.js';

/** The test kit's fake clock, at 2030-01-01T00:00:00Z. */
export function fakeClock(): FakeClock {
  return new FakeClock(Date.UTC(2030, 0, 1));
}

/** A store, context and services over a real SQLite file in a temp directory. */
export interface TestCloud {
  readonly dir: string;
  readonly store: CloudStore;
  readonly bus: EventBus;
  readonly clock: FakeClock;
  readonly ctx: ServiceContext;
  readonly services: CloudServices;
  /** Replaces the gateway the method service uses. */
  setGateway(g: DeviceGateway | undefined): void;
  close(): void;
}

export const TEST_HOST = 'hub.test';

/** Options of `createTestCloud`. */
export interface TestCloudOptions {
  readonly retention?: Partial<{ maxCount: number; maxBytes: number; maxAgeSec: number; pruneIntervalMs: number }>;
  readonly c2d?: Partial<typeof IOT_HUB_C2D_LIMITS>;
  readonly dir?: string;
}

/** Builds the services over a fresh (or given) data directory. */
export function createTestCloud(options: TestCloudOptions = {}): TestCloud {
  const tmp = options.dir === undefined ? tempDir('verge-cloud-') : { dir: options.dir, cleanup: () => undefined };
  const store = openSqliteCloudStore({ path: join(tmp.dir, 'cloud.db') });
  const clock = fakeClock();
  const bus = createInProcessEventBus(silentLog());
  const ctx: ServiceContext = { store, bus, clock, random: systemRandom, log: silentLog(), hostName: TEST_HOST };
  let gateway: DeviceGateway | undefined;
  const retention = { maxCount: 100_000, maxBytes: 64 * 1024 * 1024, maxAgeSec: 86_400, pruneIntervalMs: 60_000, ...options.retention };
  const services = createCloudServices(ctx, { retention, c2d: { ...IOT_HUB_C2D_LIMITS, ...options.c2d } }, () => gateway);
  return {
    dir: tmp.dir,
    store,
    bus,
    clock,
    ctx,
    services,
    setGateway: (g) => void (gateway = g),
    close: async () => {
      services.telemetry.stop();
      await store.close();
      tmp.cleanup();
    },
  };
}

/** The service API over a test cloud, with a valid owner token at hand. */
export interface TestApi extends TestCloud {
  readonly api: ServiceApp;
  readonly ownerKey: string;
  /** A valid `Authorization` header of the owner policy. */
  auth(): string;
  closeAll(): Promise<void>;
}

/** `createTestCloud` plus `buildApp` (drive it with `api.app.inject`). */
export async function createTestApi(options: TestCloudOptions = {}): Promise<TestApi> {
  const cloud = createTestCloud(options);
  const owner = (await cloud.services.policies.ensureOwner()).policy;
  const api = buildApp({
    ...cloud.services,
    bus: cloud.bus,
    clock: cloud.clock,
    hostName: TEST_HOST,
    log: silentLog(),
    health: () => ({ status: 'ok', listeners: {} }),
    eventStream: { heartbeatMs: 60_000 },
    metrics: createCloudMetrics({ hostName: TEST_HOST, instanceId: 'test-instance', fleet: storeFleetGauges(cloud.store) }),
  });
  await api.app.ready();
  const auth = (): string =>
    createServiceSasToken({ hostName: TEST_HOST, policyName: owner.name, key: owner.primaryKey, expirySec: Math.floor(cloud.clock.nowMs() / 1000) + 3600 });
  return {
    ...cloud,
    api,
    ownerKey: owner.primaryKey,
    auth,
    closeAll: async () => {
      await api.app.close();
      cloud.close();
    },
  };
}

/** A valid base64 symmetric key (32 bytes). */
export function aKey(fill = 1): string {
  return Buffer.alloc(32, fill).toString('base64');
}
