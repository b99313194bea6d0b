import type { TelemetryTopic } from '@verge/contracts';
import { authorizePublish, type ClientIdentity } from '@verge/core';
import type { IConnectPacket } from 'mqtt-packet';

/**
 * The will of a CONNECT, accepted: IoT Hub sends it as the client's telemetry when the connection closes without a
 * DISCONNECT (reference: IoT Hub MQTT support, "Will message"), with application property `iothub-MessageType=Will`.
 */
export interface WillMessage {
  readonly topic: TelemetryTopic;
  readonly payload: Buffer;
  readonly retain: boolean;
}

/** The application property, and its value, that marks telemetry sent from a will. */
export const WILL_MESSAGE_TYPE = { name: 'iothub-MessageType', value: 'Will' } as const;

/**
 * Checks the will of a CONNECT for `identity`: its topic must be the client's own telemetry topic
 * (`devices/{d}/messages/events/[{bag}]`, or the module's), its QoS 0 or 1 and its body within `maxBytes`, as a
 * published message would have to be. Undefined will: nothing to check.
 */
export function acceptWill(
  identity: ClientIdentity,
  will: IConnectPacket['will'],
  maxBytes: number,
): { readonly ok: true; readonly value: WillMessage | undefined } | { readonly ok: false; readonly reason: string } {
  if (will === undefined || will === null) return { ok: true, value: undefined };
  if (will.qos === 2) return { ok: false, reason: 'the will has QoS 2, which the IoT Hub surface does not support' };
  const auth = authorizePublish(identity, will.topic);
  if (!auth.ok) return { ok: false, reason: `will topic refused: ${auth.message}` };
  if (auth.value.kind !== 'telemetry') return { ok: false, reason: `will topic '${will.topic}' is not a telemetry topic (devices/{deviceId}/messages/events/…)` };
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload, 'utf8') : Buffer.from(will.payload);
  if (payload.length > maxBytes) return { ok: false, reason: `will message of ${payload.length} bytes exceeds the ${maxBytes}-byte telemetry limit` };
  return { ok: true, value: { topic: auth.value, payload, retain: will.retain === true } };
}
