// The JetStream publisher of stored telemetry, against a JetStream double: bounded in-flight publishes, retry in
// order after a failure, overflow drops the oldest, and the message format (subject, msg id, headers).
import type { MsgHdrs } from 'nats';
import { describe, expect, it } from 'vitest';
import { FakeClock, settle, silentLog } from '@verge/testkit';
import { createInProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { busNames } from '../../../src/bus/nats-subjects.js';
import type { StreamPublisher } from '../../../src/bus/pub-ack-publisher.js';
import { startTelemetryStream } from '../../../src/bus/telemetry-stream.js';
import type { TelemetryRecord } from '../../../src/store/records.js';

interface Pending {
  readonly subject: string;
  readonly options: { msgID: string; headers: MsgHdrs } | undefined;
  readonly ack: () => void;
  readonly fail: () => void;
}

/** A stream publisher whose publishes wait until the test acknowledges or fails them. */
function jetStreamDouble(): { js: StreamPublisher; pending: Pending[] } {
  const pending: Pending[] = [];
  const js: StreamPublisher = {
    publish: (subject, _data, options) =>
      new Promise<void>((resolve, reject) => {
        pending.push({ subject, options, ack: () => resolve(), fail: () => reject(new Error('no JetStream')) });
      }),
  };
  return { js, pending };
}

function record(sequenceNumber: number, moduleId?: string): TelemetryRecord {
  return {
    sequenceNumber,
    deviceId: 'dev.1',
    ...(moduleId === undefined ? {} : { moduleId }),
    enqueuedAtMs: Date.UTC(2026, 0, 1),
    sizeBytes: 1,
    message: { body: Uint8Array.of(sequenceNumber), properties: { a: '1' }, systemProperties: { messageId: `m${sequenceNumber}` } },
  };
}

describe('telemetry stream publisher', () => {
  it('keeps at most maxInFlight publishes open and publishes each message with its subject, msg id and headers', async () => {
    const bus = createInProcessEventBus(silentLog());
    const { js, pending } = jetStreamDouble();
    const stream = startTelemetryStream(js, busNames('vt'), bus, silentLog(), { maxInFlight: 2, maxQueued: 100 }, new FakeClock());
    for (let i = 1; i <= 5; i++) bus.publish('telemetry', { record: record(i, i === 2 ? 'mod*1' : undefined) });

    expect(pending.map((p) => p.subject)).toEqual(['vt.telemetry.dev%2E1', 'vt.telemetry.dev%2E1.mod%2A1']);
    expect(stream.stats()).toMatchObject({ inFlight: 2, queued: 3 });
    const h = pending[1]?.options?.headers;
    expect(pending[1]?.options?.msgID).toBe('2');
    expect([h?.get('Verge-Device-Id'), h?.get('Verge-Module-Id'), h?.get('Verge-Sequence-Number'), h?.get('Verge-Enqueued-Time')]).toEqual(['dev.1', 'mod*1', '2', '2026-01-01T00:00:00.000Z']);
    expect(JSON.parse(h?.get('Verge-Properties') ?? '')).toEqual({ a: '1' });
    expect(JSON.parse(h?.get('Verge-System-Properties') ?? '')).toEqual({ messageId: 'm2' });

    pending.splice(0).forEach((p) => p.ack());
    await settle();
    expect(pending.map((p) => p.options?.msgID)).toEqual(['3', '4']);
    pending.splice(0).forEach((p) => p.ack());
    await settle();
    pending.splice(0).forEach((p) => p.ack());
    await stream.close();
    expect(stream.stats()).toEqual({ published: 5, queued: 0, inFlight: 0, dropped: 0 });
  });

  it('retries a failed publish first, after a backoff, so the stream keeps the store order', async () => {
    const bus = createInProcessEventBus(silentLog());
    const { js, pending } = jetStreamDouble();
    const clock = new FakeClock();
    const stream = startTelemetryStream(js, busNames('vt'), bus, silentLog(), { maxInFlight: 1, maxQueued: 100 }, clock);
    bus.publish('telemetry', { record: record(1) });
    bus.publish('telemetry', { record: record(2) });
    pending.splice(0).forEach((p) => p.fail());
    await settle();
    expect(pending).toHaveLength(0); // waiting out the backoff

    await clock.advance(2_000);
    expect(pending.map((p) => p.options?.msgID)).toEqual(['1']);
    pending.splice(0).forEach((p) => p.ack());
    await settle();
    expect(pending.map((p) => p.options?.msgID)).toEqual(['2']);
    pending.splice(0).forEach((p) => p.ack());
    await stream.close();
    expect(stream.stats()).toMatchObject({ published: 2, dropped: 0 });
  });

  it('drops the oldest queued messages beyond maxQueued and counts them', async () => {
    const bus = createInProcessEventBus(silentLog());
    const { js, pending } = jetStreamDouble();
    const stream = startTelemetryStream(js, busNames('vt'), bus, silentLog(), { maxInFlight: 1, maxQueued: 2 }, new FakeClock());
    for (let i = 1; i <= 5; i++) bus.publish('telemetry', { record: record(i) });
    expect(stream.stats()).toMatchObject({ inFlight: 1, queued: 2, dropped: 2 });
    for (let round = 0; round < 3; round++) {
      pending.splice(0).forEach((p) => p.ack());
      await settle();
    }
    await stream.close();
    expect(stream.stats()).toMatchObject({ published: 3, dropped: 2 });
  });
});
