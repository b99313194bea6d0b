import { VergeError, type C2dAccepted } from '@verge/contracts';
import type { ServiceContext } from './context.js';
import { requireDevice } from './identity-checks.js';
import { C2D_ACK_PROPERTY } from '../store/records.js';

/** Bounds of the cloud-to-device queues (IoT Hub's defaults). */
export interface C2dLimits {
  /** Pending messages per device; IoT Hub allows 50. */
  readonly maxPendingPerDevice: number;
  /** Body plus properties; IoT Hub allows 64 KB. */
  readonly maxMessageBytes: number;
  /** Time to live when the sender gives no expiry; IoT Hub's default is 1 hour. */
  readonly defaultTtlSec: number;
  /** Longest time to live; IoT Hub's maximum is 48 hours. */
  readonly maxTtlSec: number;
}

/** IoT Hub's C2D limits. */
export const IOT_HUB_C2D_LIMITS: C2dLimits = { maxPendingPerDevice: 50, maxMessageBytes: 65_536, defaultTtlSec: 3600, maxTtlSec: 172_800 };

/** A C2D message to queue. */
export interface C2dSendInput {
  readonly body: Uint8Array;
  readonly properties: Readonly<Record<string, string>>;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly userId?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** Absolute expiry, epoch ms. */
  readonly expiresAtMs?: number;
  /** The delivery feedback the sender wants (`iothub-ack`); default none. */
  readonly ack?: 'none' | 'positive' | 'negative' | 'full';
}

/** Cloud-to-device messaging. */
export interface C2dService {
  /** Queues a message for the device (delivered now if it is connected and subscribed, else when it is). */
  send(deviceId: string, input: C2dSendInput): Promise<C2dAccepted>;
}

/** Builds the C2D service. */
export function createC2dService(ctx: ServiceContext, limits: C2dLimits): C2dService {
  const { store, bus, clock, random } = ctx;
  return {
    async send(deviceId, input) {
      const now = clock.nowMs();
      const expiresAtMs = input.expiresAtMs ?? now + limits.defaultTtlSec * 1000;
      checkExpiry(expiresAtMs, now, limits);
      const size = messageBytes(input);
      if (size > limits.maxMessageBytes) {
        throw new VergeError('CLD_C2D_MESSAGE_TOO_LARGE', `the message is ${size} bytes (body plus properties); the limit is ${limits.maxMessageBytes}`, {
          details: { sizeBytes: size, maxBytes: limits.maxMessageBytes },
        });
      }
      const messageId = input.messageId ?? random.uuid();
      const pendingCount = await store.transaction(async (tx) => {
        await requireDevice(tx, deviceId);
        const pending = await tx.c2d.countPending(deviceId, now);
        if (pending >= limits.maxPendingPerDevice) {
          throw new VergeError(
            'CLD_C2D_QUEUE_FULL',
            `device '${deviceId}' already has ${pending} pending cloud-to-device messages, the maximum; it must receive some first`,
            { details: { deviceId, pending, max: limits.maxPendingPerDevice } },
          );
        }
        const systemProperties: Record<string, string> = {
          messageId,
          to: `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound`,
          'absolute-expiry-time': new Date(expiresAtMs).toISOString(),
          ...optional('cid', input.correlationId),
          ...optional('userId', input.userId),
          ...optional('contentType', input.contentType),
          ...optional('contentEncoding', input.contentEncoding),
          ...optional(C2D_ACK_PROPERTY, input.ack === 'none' ? undefined : input.ack),
        };
        await tx.c2d.enqueue({
          id: random.uuid(),
          deviceId,
          message: { body: input.body, properties: { ...input.properties }, systemProperties },
          enqueuedAtMs: now,
          expiresAtMs,
        });
        return pending + 1;
      });
      bus.publish('c2dEnqueued', { deviceId });
      return {
        deviceId,
        messageId,
        enqueuedTime: new Date(now).toISOString(),
        expiryTimeUtc: new Date(expiresAtMs).toISOString(),
        pendingCount,
      };
    },
  };
}

function checkExpiry(expiresAtMs: number, now: number, limits: C2dLimits): void {
  if (!Number.isFinite(expiresAtMs) || expiresAtMs <= now) {
    throw new VergeError('CLD_C2D_EXPIRY_INVALID', 'iothub-expiry: the message would already be expired; give a time in the future', {
      details: { path: 'iothub-expiry' },
    });
  }
  if (expiresAtMs - now > limits.maxTtlSec * 1000) {
    throw new VergeError('CLD_C2D_EXPIRY_INVALID', `iothub-expiry: the time to live may be at most ${limits.maxTtlSec} seconds`, {
      details: { path: 'iothub-expiry', maxTtlSec: limits.maxTtlSec },
    });
  }
}

function messageBytes(input: C2dSendInput): number {
  let n = input.body.byteLength;
  for (const [k, v] of Object.entries(input.properties)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  for (const v of [input.messageId, input.correlationId, input.userId, input.contentType, input.contentEncoding]) {
    if (v !== undefined) n += Buffer.byteLength(v);
  }
  return n;
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: value };
}
