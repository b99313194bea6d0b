import { defaultRoutePriority, type MessageStore } from '@verge/contracts';
import { onTestFinished } from 'vitest';
import { createEndpointPump, type DeliveryOrdering, type EndpointPump, type EndpointPumpOptions } from '../../../src/hub/endpoints/index.js';
import { createMemoryMessageStore } from '../../../src/hub/store/index.js';
import { FakeSender } from './fake-sender.js';
import { FakeClock } from '@verge/testkit';

/** What a test appends: a body, the sending identity, and the queue's priority and TTL. */
export interface TestMessage {
  readonly from?: string;
  readonly priority?: number;
  readonly ttlSecs?: number;
}

/** A pump on an in-memory store with a fake clock and a scripted sender; stopped when the test ends. */
export interface PumpHarness {
  readonly timers: FakeClock;
  readonly store: MessageStore;
  readonly sender: FakeSender;
  readonly pump: EndpointPump;
  /** Appends messages for the pump's endpoint (and notifies the pump). */
  append(bodies: readonly string[], options?: TestMessage): Promise<void>;
}

export const endpointId = '$upstream';

/** Builds the harness; the pump is not started unless `start` is true (default). */
export function pumpHarness(ordering: DeliveryOrdering, overrides: Partial<EndpointPumpOptions> = {}, start = true): PumpHarness {
  const timers = new FakeClock();
  const store = createMemoryMessageStore({ nowMs: timers.nowMs });
  const sender = new FakeSender(timers.nowMs);
  const pump = createEndpointPump({ endpointId, store, sender, ordering, clock: timers, random: () => 0.5, ...overrides });
  onTestFinished(async () => {
    await pump.stop();
    await store.close();
  });
  if (start) pump.start();
  return {
    timers,
    store,
    sender,
    pump,
    append: async (bodies, o = {}) => {
      const [device, module] = (o.from ?? 'dev/mod').split('/');
      const priority = o.priority ?? defaultRoutePriority;
      for (const body of bodies) {
        const systemProperties: Record<string, string> = { connectionDeviceId: device ?? 'dev', ...(module === undefined ? {} : { connectionModuleId: module }) };
        await store.append({ body: new TextEncoder().encode(body), properties: { p: String(priority) }, systemProperties }, [{ endpointId, priority, ttlSecs: o.ttlSecs ?? -1 }]);
      }
      pump.notify();
    },
  };
}
