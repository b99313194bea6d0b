import { VergeError } from '../errors/index.js';
import { encodePropertyBag, type PropertyBagInput } from './property-bag.js';
import { assertInteger, assertTopicLevel, encodeRid } from './topic-parts.js';

const id = assertTopicLevel;

/** The SDK splits the method topic at the first `?` (Node `url.parse`), so a name may not contain one. */
function methodNameLevel(name: string): string {
  if (name.includes('?')) {
    throw new VergeError('TOPIC_INVALID', `methodName '${name}' contains '?'; it cannot be a topic level`, { details: { what: 'methodName', value: name } });
  }
  return id(name, 'methodName');
}

/**
 * Builders of every IoT Hub MQTT topic (azure-sdk-protocol.md §3–5, reference azure-iot-edge.md §5.3). Call
 * sites never concatenate topics themselves. Identifiers go in raw, exactly as the Node SDK writes them; one
 * that cannot be a topic level (empty, `/`, `+`, `#`, NUL) throws TOPIC_INVALID. Request ids are
 * percent-encoded in `$rid=`. Property bags are encoded with `encodePropertyBag`.
 */
export const topics = {
  /** Device telemetry as the SDK sends it: `devices/{d}/messages/events/{bag}`. */
  deviceEvents(deviceId: string, bag?: PropertyBagInput): string {
    return `devices/${id(deviceId, 'deviceId')}/messages/events/${encodePropertyBag(bag, { direction: 'deviceToHub' })}`;
  },

  /**
   * Module telemetry as the SDK sends it: `devices/{d}/modules/{m}/messages/events/{bag}`; with
   * `systemProperties.outputName` set (`sendOutputEvent`) the bag starts with `%24.on=` and ends with `/`.
   */
  moduleEvents(deviceId: string, moduleId: string, bag?: PropertyBagInput): string {
    const base = `devices/${id(deviceId, 'deviceId')}/modules/${id(moduleId, 'moduleId')}/messages/events/`;
    const isOutput = bag?.systemProperties !== undefined && Object.hasOwn(bag.systemProperties, 'outputName');
    return `${base}${encodePropertyBag(bag, { direction: 'deviceToHub' })}${isOutput ? '/' : ''}`;
  },

  /** Cloud-to-device delivery: `devices/{d}/messages/devicebound/{bag}`; the `/` after `devicebound` is always there (the SDK drops the message without it). */
  c2d(deviceId: string, bag?: PropertyBagInput): string {
    return `devices/${id(deviceId, 'deviceId')}/messages/devicebound/${encodePropertyBag(bag)}`;
  },

  /** Module input delivery: `devices/{d}/modules/{m}/inputs/{input}/{bag}`; the `/` after the input name is always there. */
  moduleInput(deviceId: string, moduleId: string, inputName: string, bag?: PropertyBagInput): string {
    return `devices/${id(deviceId, 'deviceId')}/modules/${id(moduleId, 'moduleId')}/inputs/${id(inputName, 'inputName')}/${encodePropertyBag(bag)}`;
  },

  /** Twin GET request (client → hub): `$iothub/twin/GET/?$rid={rid}`. */
  twinGet(rid: string): string {
    return `$iothub/twin/GET/?$rid=${encodeRid(rid)}`;
  },

  /** Reported-properties patch (client → hub): `$iothub/twin/PATCH/properties/reported/?$rid={rid}`. */
  twinReportedPatch(rid: string): string {
    return `$iothub/twin/PATCH/properties/reported/?$rid=${encodeRid(rid)}`;
  },

  /** Twin response (hub → client): `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]`. */
  twinResponse(status: number, rid: string, version?: number): string {
    const v = version === undefined ? '' : `&$version=${assertInteger(version, '$version', 0)}`;
    return `$iothub/twin/res/${assertInteger(status, 'status', 100)}/?$rid=${encodeRid(rid)}${v}`;
  },

  /** Desired-properties patch (hub → client): `$iothub/twin/PATCH/properties/desired/?$version={v}`. */
  twinDesiredPatch(version: number): string {
    return `$iothub/twin/PATCH/properties/desired/?$version=${assertInteger(version, '$version', 0)}`;
  },

  /** Direct-method request (hub → client): `$iothub/methods/POST/{name}/?$rid={rid}`; the SDK reads the name raw. */
  methodRequest(methodName: string, rid: string): string {
    return `$iothub/methods/POST/${methodNameLevel(methodName)}/?$rid=${encodeRid(rid)}`;
  },

  /** Direct-method response (client → hub): `$iothub/methods/res/{status}/?$rid={rid}`. */
  methodResponse(status: number, rid: string): string {
    return `$iothub/methods/res/${assertInteger(status, 'status', Number.MIN_SAFE_INTEGER)}/?$rid=${encodeRid(rid)}`;
  },

  /** Subscription filters, exactly as the Node SDK subscribes (azure-sdk-protocol.md §3). */
  sub: {
    /** Twin responses; QoS 0. */
    twinResponses: '$iothub/twin/res/#',
    /** Desired-property patches; QoS 0. */
    twinDesiredPatches: '$iothub/twin/PATCH/properties/desired/#',
    /** Direct-method requests; QoS 0. */
    methodRequests: '$iothub/methods/POST/#',
    /** Cloud-to-device messages of a device (devices only); QoS 1. */
    c2d(deviceId: string): string {
      return `devices/${id(deviceId, 'deviceId')}/messages/devicebound/#`;
    },
    /** Input messages of a module; QoS 1. */
    moduleInputs(deviceId: string, moduleId: string): string {
      return `devices/${id(deviceId, 'deviceId')}/modules/${id(moduleId, 'moduleId')}/inputs/#`;
    },
  },
} as const;
