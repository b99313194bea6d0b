import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { Logger } from '@verge/platform';
import type { CloudEventMap, CloudEventTopic, EventBus } from '../events/event-bus.js';
import { createInProcessEventBus } from '../events/in-process-event-bus.js';
import { followBusLink } from './bus-link.js';
import type { BusNames } from './nats-subjects.js';

/**
 * Topics that cross instances. `telemetry` does not: every stored message already goes to the JetStream stream
 * (telemetry-stream.ts), and sending each one to every instance as well would multiply ingest traffic.
 */
const SHARED_TOPICS: ReadonlySet<CloudEventTopic> = new Set<CloudEventTopic>([
  'desiredPatched',
  'c2dEnqueued',
  'identityChanged',
  'connectionChanged',
  'twinChanged',
  'configurationChanged',
  'rolloutChanged',
  'jobChanged',
]);

const Envelope = z.object({ origin: z.string().min(1), event: z.record(z.string(), z.unknown()) });

/** An `EventBus` whose events also reach every other instance on the same NATS prefix. */
export interface NatsEventBus extends EventBus {
  /** Resolves once the NATS server has the subscription (events published after it are received). */
  ready(): Promise<void>;
  close(): void;
}

/**
 * `EventBus` over NATS core (at most once, like the in-process bus: state lives in the store, events only tell
 * listeners to look). Local listeners are called synchronously by `publish`, as in one process; the event is also
 * published on `<p>.events.<topic>` with this instance's id, and events of other instances are delivered to the
 * local listeners when they arrive (an instance ignores its own). When the connection comes back after an outage,
 * `busResumed` is published locally: the other instances' events of the outage are lost.
 */
export function createNatsEventBus(nc: NatsConnection, names: BusNames, instanceId: string, log: Logger): NatsEventBus {
  const local = createInProcessEventBus(log);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  followBusLink(nc, () => local.publish('busResumed', {}));
  const sub: Subscription = nc.subscribe(names.allEvents, {
    callback: (err, msg) => {
      if (err !== null) {
        log.error({ err }, 'bus subscription failed');
        return;
      }
      const topic = msg.subject.slice(names.event('' as CloudEventTopic).length) as CloudEventTopic;
      const parsed = parseEnvelope(decoder.decode(msg.data));
      if (parsed === undefined || !SHARED_TOPICS.has(topic)) {
        log.warn({ subject: msg.subject }, 'bus: malformed event ignored');
        return;
      }
      if (parsed.origin === instanceId) return;
      local.publish(topic, parsed.event as unknown as CloudEventMap[typeof topic]);
    },
  });
  return {
    publish(topic, event) {
      local.publish(topic, event);
      if (!SHARED_TOPICS.has(topic) || nc.isClosed()) return;
      nc.publish(names.event(topic), encoder.encode(JSON.stringify({ origin: instanceId, event })));
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    ready: () => nc.flush(),
    close: () => sub.unsubscribe(),
  };
}

function parseEnvelope(text: string): z.infer<typeof Envelope> | undefined {
  try {
    const r = Envelope.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
