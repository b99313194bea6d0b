import {
  isVergeError,
  parseInboundTopic,
  parseSubscription,
  type InboundTopic,
  type Subscription,
} from '@verge/contracts';

/** The authenticated identity of an MQTT client: a device, or a module of a device. */
export interface ClientIdentity {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** Outcome of an authorization check: the parsed topic or filter, or why it is refused. */
export type AuthzResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden'; readonly message: string };

function who(identity: ClientIdentity): string {
  return identity.moduleId === undefined ? `device '${identity.deviceId}'` : `module '${identity.deviceId}/${identity.moduleId}'`;
}

function isSelf(identity: ClientIdentity, deviceId: string, moduleId: string | undefined): boolean {
  // Ordinal comparison: IoT Hub ids are case-sensitive (reference §5.2).
  return identity.deviceId === deviceId && identity.moduleId === moduleId;
}

function guard<T>(parse: () => T): AuthzResult<T> {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    if (isVergeError(e)) return { ok: false, reason: 'malformed', message: e.message };
    throw e;
  }
}

/**
 * May `identity` publish to `topic`? Telemetry only on its own topic (`devices/{d}/messages/events/…` for a
 * device, `devices/{d}/modules/{m}/messages/events/…` for a module); `$iothub` twin and method topics carry no id
 * and always address the publisher's own twin and methods. Malformed topics are refused.
 */
export function authorizePublish(identity: ClientIdentity, topic: string): AuthzResult<InboundTopic> {
  const parsed = guard(() => parseInboundTopic(topic));
  if (!parsed.ok) return parsed;
  const t = parsed.value;
  switch (t.kind) {
    case 'telemetry':
      return isSelf(identity, t.deviceId, t.moduleId)
        ? parsed
        : forbidden(`${who(identity)} may not publish telemetry as ${t.moduleId === undefined ? `device '${t.deviceId}'` : `module '${t.deviceId}/${t.moduleId}'`}`);
    case 'twinGet':
    case 'twinReportedPatch':
    case 'methodResponse':
      return parsed;
    default:
      return assertNever(t);
  }
}

/**
 * May `identity` subscribe to `filter`? Twin and method filters: always. C2D: devices only, their own
 * (`Not available to modules`, reference §5.3). Module inputs: the module itself only.
 */
export function authorizeSubscribe(identity: ClientIdentity, filter: string): AuthzResult<Subscription> {
  const parsed = guard(() => parseSubscription(filter));
  if (!parsed.ok) return parsed;
  const s = parsed.value;
  switch (s.kind) {
    case 'twinResponses':
    case 'twinDesiredPatches':
    case 'methodRequests':
      return parsed;
    case 'c2d':
      if (identity.moduleId !== undefined) return forbidden(`${who(identity)} may not subscribe to cloud-to-device messages: they are for devices only`);
      return isSelf(identity, s.deviceId, undefined) ? parsed : forbidden(`${who(identity)} may not subscribe to the messages of device '${s.deviceId}'`);
    case 'moduleInputs':
      return isSelf(identity, s.deviceId, s.moduleId)
        ? parsed
        : forbidden(`${who(identity)} may not subscribe to the inputs of module '${s.deviceId}/${s.moduleId}'`);
    default:
      return assertNever(s);
  }
}

/** `authorizePublish(identity, topic).ok`. */
export function canPublish(identity: ClientIdentity, topic: string): boolean {
  return authorizePublish(identity, topic).ok;
}

/** `authorizeSubscribe(identity, filter).ok`. */
export function canSubscribe(identity: ClientIdentity, filter: string): boolean {
  return authorizeSubscribe(identity, filter).ok;
}

function forbidden(message: string): { ok: false; reason: 'forbidden'; message: string } {
  return { ok: false, reason: 'forbidden', message };
}

function assertNever(x: never): never {
  throw new Error(`unexpected topic kind ${JSON.stringify(x)}`);
}
