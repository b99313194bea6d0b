import type { ServiceContext } from './context.js';
import { C2D_ACK_PROPERTY, type C2dFeedbackRecord, type C2dRecord, type ExpiredC2d } from '../store/records.js';

/** The feedback a sender asked for with `iothub-ack`: on delivery (positive), on expiry (negative), both (full). */
export function wantsFeedback(systemProperties: Readonly<Record<string, string>>, outcome: C2dFeedbackRecord['statusCode']): boolean {
  const ack = systemProperties[C2D_ACK_PROPERTY];
  return ack === 'full' || (outcome === 'Success' ? ack === 'positive' : ack === 'negative');
}

/**
 * Records IoT Hub's delivery feedback of C2D messages sent with `iothub-ack` (read by azure-iothub's feedback
 * receiver over AMQP): `Success` when the device completed one, `Expired` when the retention pass dropped one.
 */
export interface C2dFeedback {
  delivered(record: C2dRecord): Promise<void>;
  expired(messages: readonly ExpiredC2d[]): Promise<void>;
}

export function createC2dFeedback(ctx: Pick<ServiceContext, 'store' | 'clock'>): C2dFeedback {
  const { store, clock } = ctx;
  const record = async (deviceId: string, systemProperties: Readonly<Record<string, string>>, statusCode: C2dFeedbackRecord['statusCode']): Promise<C2dFeedbackRecord> => ({
    originalMessageId: systemProperties['messageId'] ?? '',
    deviceId,
    deviceGenerationId: (await store.devices.get(deviceId))?.generationId ?? '',
    enqueuedTimeUtc: new Date(clock.nowMs()).toISOString(),
    statusCode,
    description: statusCode === 'Success' ? 'Success' : 'Message expired',
  });
  return {
    async delivered(r) {
      if (!wantsFeedback(r.message.systemProperties, 'Success')) return;
      await store.c2dFeedback.add([await record(r.deviceId, r.message.systemProperties, 'Success')], clock.nowMs());
    },
    async expired(messages) {
      const wanted = messages.filter((m) => wantsFeedback(m.systemProperties, 'Expired'));
      if (wanted.length === 0) return;
      await store.c2dFeedback.add(await Promise.all(wanted.map((m) => record(m.deviceId, m.systemProperties, 'Expired'))), clock.nowMs());
    },
  };
}
