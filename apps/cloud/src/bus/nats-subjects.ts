import type { ClientIdentity } from '@verge/core';
import type { CloudEventTopic } from '../events/event-bus.js';

/**
 * The one NATS naming scheme of a cloud (docs/scale-out/nats-bus.md). Every name starts with the bus prefix (`verge` by
 * default; `?prefix=` of the bus URL), so several clouds (or parallel test runs) share one NATS server apart:
 *
 * - `<p>.events.<topic>`: internal events (desiredPatched, c2dEnqueued, identityChanged, connectionChanged) as JSON
 *   `{ origin, event }`;
 * - `<p>.client.<device>[.<module>]`: request/reply to the instance holding that client's MQTT connection (direct
 *   methods); only that instance subscribes, so NATS answers "no responders" when nobody holds it;
 * - `<p>.telemetry.<device>[.<module>]`: every stored device-to-cloud message, captured by the JetStream stream
 *   `<P>_TELEMETRY`;
 * - KV bucket `<p>-leases`: leases of background work.
 */
export interface BusNames {
  readonly prefix: string;
  event(topic: CloudEventTopic): string;
  /** Wildcard of every event subject. */
  readonly allEvents: string;
  client(id: ClientIdentity): string;
  telemetry(id: ClientIdentity): string;
  /** Wildcard of every telemetry subject (the stream's subject). */
  readonly allTelemetry: string;
  readonly telemetryStream: string;
  readonly leaseBucket: string;
}

const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `prefix` may name a cloud on the bus (letters, digits, `_`, `-`; it also names a stream and a bucket). */
export function isBusPrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/**
 * A device or module id as one subject token: `%` and the characters NATS reserves in subjects (`.`, `*`, `>`,
 * whitespace) are percent-encoded, everything else stays readable. Injective, so two ids never share a subject.
 */
export function subjectToken(id: string): string {
  // Most ids need no escape: a test is cheaper than a replace with a callback (once per telemetry message).
  if (!RESERVED_IN_SUBJECT.test(id)) return id;
  return id.replace(/[%.*>\s]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

const RESERVED_IN_SUBJECT = /[%.*>\s]/u;

/** Inverse of {@link subjectToken}. */
export function fromSubjectToken(token: string): string {
  return decodeURIComponent(token);
}

export function busNames(prefix: string): BusNames {
  if (!isBusPrefix(prefix)) throw new Error(`invalid bus prefix '${prefix}'`);
  const idPath = (id: ClientIdentity): string => (id.moduleId === undefined ? subjectToken(id.deviceId) : `${subjectToken(id.deviceId)}.${subjectToken(id.moduleId)}`);
  return {
    prefix,
    event: (topic) => `${prefix}.events.${topic}`,
    allEvents: `${prefix}.events.*`,
    client: (id) => `${prefix}.client.${idPath(id)}`,
    telemetry: (id) => `${prefix}.telemetry.${idPath(id)}`,
    allTelemetry: `${prefix}.telemetry.>`,
    telemetryStream: `${prefix.toUpperCase().replace(/-/gu, '_')}_TELEMETRY`,
    leaseBucket: `${prefix}-leases`,
  };
}
