import type { Clock } from '@verge/contracts';
import { backoffDelayMs, RECONNECT_BACKOFF } from '@verge/core';
import { systemClock, type Logger } from '@verge/platform';
import { headers as natsHeaders, type JetStreamManager, type MsgHdrs } from 'nats';
import type { EventBus } from '../events/event-bus.js';
import type { TelemetryRecord } from '../store/records.js';
import type { BusNames } from './nats-subjects.js';
import type { StreamPublisher } from './pub-ack-publisher.js';
import { TELEMETRY_HEADERS } from './telemetry-format.js';


/** Bounds of the publisher. */
export interface TelemetryStreamLimits {
  /** Publishes awaiting JetStream's acknowledgement at once. */
  readonly maxInFlight: number;
  /** Stored messages waiting to be published; beyond it the oldest are dropped (and counted). */
  readonly maxQueued: number;
}

export const defaultTelemetryStreamLimits: TelemetryStreamLimits = { maxInFlight: 256, maxQueued: 50_000 };

/** Counters of the publisher. */
export interface TelemetryStreamStats {
  readonly published: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly dropped: number;
}

/** Publishes every stored telemetry message to the stream (see {@link startTelemetryStream}). */
export interface TelemetryStream {
  stats(): TelemetryStreamStats;
  /** Waits (up to `timeoutMs`) for queued and in-flight publishes, then stops. */
  close(timeoutMs?: number): Promise<void>;
}

/** Creates the stream capturing `<p>.telemetry.>` when it is missing (an existing stream is left as it is). */
export async function ensureTelemetryStream(jsm: JetStreamManager, names: BusNames, maxAgeMs: number): Promise<void> {
  try {
    await jsm.streams.info(names.telemetryStream);
  } catch (err) {
    if ((err as { code?: string }).code !== '404') throw err;
    await jsm.streams.add({ name: names.telemetryStream, subjects: [names.allTelemetry], max_age: maxAgeMs * 1_000_000 });
  }
}

/**
 * Publishes each telemetry message this instance stored (the bus's local `telemetry` event, raised after the commit)
 * to JetStream, asynchronously: ingest and its PUBACK never wait for NATS. At most `maxInFlight` publishes await
 * their acknowledgement; a failed publish goes back to the head of the queue and is retried with backoff (at least
 * once; JetStream drops the duplicates by `Nats-Msg-Id` within its window). Only a queue overflow (NATS away for
 * long under load) or a crash loses stream copies; the store keeps every message either way.
 */
export function startTelemetryStream(
  js: StreamPublisher,
  names: BusNames,
  bus: EventBus,
  log: Logger,
  limits: TelemetryStreamLimits = defaultTelemetryStreamLimits,
  clock: Pick<Clock, 'setTimer'> = systemClock,
): TelemetryStream {
  const queue: TelemetryRecord[] = [];
  let head = 0;
  let inFlight = 0;
  let published = 0;
  let dropped = 0;
  let failures = 0;
  let cancelRetry: (() => void) | undefined;
  let idle: (() => void) | undefined;

  const pending = (): number => queue.length - head;
  const take = (): TelemetryRecord | undefined => {
    const r = queue[head];
    if (r === undefined) return undefined;
    head += 1;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head); // compact now and then: shift() on every message would be O(n)
      head = 0;
    }
    return r;
  };

  const pump = (): void => {
    while (cancelRetry === undefined && inFlight < limits.maxInFlight) {
      const record = take();
      if (record === undefined) break;
      inFlight += 1;
      js.publish(names.telemetry(record), record.message.body, { msgID: String(record.sequenceNumber), headers: headersOf(record) }).then(
        () => {
          inFlight -= 1;
          published += 1;
          failures = 0;
          settle();
        },
        (err: unknown) => {
          inFlight -= 1;
          failures += 1;
          if (head > 0) queue[--head] = record;
          else queue.unshift(record);
          if (failures === 1) log.warn({ err }, 'telemetry stream publish failed; retrying');
          cancelRetry ??= clock.setTimer(() => {
            cancelRetry = undefined;
            pump();
          }, backoffDelayMs(failures, RECONNECT_BACKOFF, Math.random()));
          settle();
        },
      );
    }
  };
  const settle = (): void => {
    pump();
    if (pending() === 0 && inFlight === 0) idle?.();
  };

  const unsubscribe = bus.subscribe('telemetry', ({ record }) => {
    queue.push(record);
    if (pending() > limits.maxQueued) {
      take();
      dropped += 1;
      if (dropped === 1 || dropped % 1000 === 0) log.error({ dropped }, 'telemetry stream queue full; oldest messages not published to the stream');
    }
    pump();
  });

  return {
    stats: () => ({ published, queued: pending(), inFlight, dropped }),
    async close(timeoutMs = 5_000) {
      unsubscribe();
      if (pending() > 0 || inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      cancelRetry?.();
      if (pending() > 0 || inFlight > 0) log.warn({ queued: pending(), inFlight }, 'telemetry stream closed with messages not published');
    },
  };
}

function headersOf(r: TelemetryRecord): MsgHdrs {
  const h = natsHeaders();
  h.set(TELEMETRY_HEADERS.deviceId, r.deviceId);
  if (r.moduleId !== undefined) h.set(TELEMETRY_HEADERS.moduleId, r.moduleId);
  h.set(TELEMETRY_HEADERS.sequenceNumber, String(r.sequenceNumber));
  h.set(TELEMETRY_HEADERS.enqueuedTime, new Date(r.enqueuedAtMs).toISOString());
  h.set(TELEMETRY_HEADERS.properties, JSON.stringify(r.message.properties));
  h.set(TELEMETRY_HEADERS.systemProperties, JSON.stringify(r.message.systemProperties));
  return h;
}
