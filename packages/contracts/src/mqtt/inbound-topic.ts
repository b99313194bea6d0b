import { decodePropertyBagAt } from './property-bag.js';
import {
  checkTopicLevel,
  optionalQueryInteger,
  parseTopicInteger,
  readQuery,
  requireRid,
  splitIotHubTopic,
  topicError,
} from './topic-parts.js';

/** Telemetry from a device (`moduleId` absent) or a module (output name from `$.on`). */
export interface TelemetryTopic {
  readonly kind: 'telemetry';
  readonly deviceId: string;
  readonly moduleId?: string;
  /** The module output (`$.on`), modules only. */
  readonly outputName?: string;
  /**
   * System properties by internal name; `connectionDeviceId`/`connectionModuleId` come from the topic, never from the
   * bag, and a device's `outputName` (`$.on`) is dropped (only modules send to outputs).
   */
  readonly systemProperties: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, string>>;
}

/** `$iothub/twin/GET/?$rid={rid}`. */
export interface TwinGetTopic {
  readonly kind: 'twinGet';
  readonly rid: string;
}

/** `$iothub/twin/PATCH/properties/reported/?$rid={rid}[&$version={v}]`. */
export interface TwinReportedPatchTopic {
  readonly kind: 'twinReportedPatch';
  readonly rid: string;
  readonly version?: number;
}

/** `$iothub/methods/res/{status}/?$rid={rid}`. */
export interface MethodResponseTopic {
  readonly kind: 'methodResponse';
  readonly status: number;
  readonly rid: string;
}

/** Every topic an IoT Hub MQTT client may publish to. */
export type InboundTopic = TelemetryTopic | TwinGetTopic | TwinReportedPatchTopic | MethodResponseTopic;

const EXPECTED =
  "expected 'devices/{deviceId}/messages/events/[{bag}][/]', 'devices/{deviceId}/modules/{moduleId}/messages/events/[{bag}][/]', " +
  "'$iothub/twin/GET/?$rid=', '$iothub/twin/PATCH/properties/reported/?$rid=' or '$iothub/methods/res/{status}/?$rid='";

/**
 * Parses a topic a device or module publishes to (azure-sdk-protocol.md §4, reference azure-iot-edge.md §5.3).
 * Telemetry: the bag after `events/` is decoded (`decodePropertyBag` rules); a trailing `/` is tolerated, and so
 * is a topic ending at `events` (empty bag). Twin and method topics accept `…/?$rid=` and `…?$rid=`, and require
 * a non-empty `$rid`. Ids are taken raw, as the SDK sends them. Throws VergeError TOPIC_INVALID naming the topic
 * and the rule, or TOPIC_PROPERTY_BAG_INVALID for a malformed bag or query. Whether the publisher may use the
 * topic is decided by `canPublish` in @verge/core.
 */
export function parseInboundTopic(topic: string): InboundTopic {
  if (topic.startsWith('$iothub/')) return parseIotHubPublish(topic);
  if (topic.startsWith('devices/')) return parseTelemetry(topic);
  return topicError(topic, `not a topic an IoT Hub client publishes to; ${EXPECTED}`);
}

/** The fixed levels of a telemetry topic ('' where an id goes), built once, not per message. */
const MODULE_TELEMETRY_SHAPE: readonly string[] = ['devices', '', 'modules', '', 'messages', 'events'];
const DEVICE_TELEMETRY_SHAPE: readonly string[] = ['devices', '', 'messages', 'events'];

function hasShape(levels: readonly string[], shape: readonly string[]): boolean {
  if (levels.length < shape.length) return false;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== '' && levels[i] !== shape[i]) return false;
  return true;
}

function parseTelemetry(topic: string): TelemetryTopic {
  // The head has at most 6 levels: the bag after them is not split (it is read from its offset below).
  const levels = topic.split('/', MODULE_TELEMETRY_SHAPE.length);
  const isModule = levels[2] === 'modules';
  const head = isModule ? 6 : 4;
  if (!hasShape(levels, isModule ? MODULE_TELEMETRY_SHAPE : DEVICE_TELEMETRY_SHAPE)) {
    return topicError(topic, `not a telemetry topic; ${EXPECTED}`);
  }
  const deviceId = checkTopicLevel(topic, levels[1] ?? '', 'deviceId');
  const moduleId = isModule ? checkTopicLevel(topic, levels[3] ?? '', 'moduleId') : undefined;
  let bagStart = head;
  for (let i = 0; i < head; i++) bagStart += (levels[i] ?? '').length;
  const bag = decodePropertyBagAt({ text: topic, start: Math.min(bagStart, topic.length), label: `topic '${topic}'` });
  // Copied without `delete` (which would turn the object V8 keeps per message into a slow dictionary):
  // the hub, not the client, sets the connection ids (reference §5.4); the topic names the publisher. Outputs belong
  // to modules: a device's `$.on` would make its message look like module output to routing and upstream (which
  // refuses it after the hub acknowledged it), so a device's message never carries one.
  const systemProperties: Record<string, string> = {};
  // `for…in` over the decoder's own plain object (no inherited enumerable keys): no entry arrays per message.
  for (const name in bag.systemProperties) {
    if (name === 'connectionModuleId' || (moduleId === undefined && name === 'outputName')) continue;
    systemProperties[name] = bag.systemProperties[name] as string;
  }
  systemProperties['connectionDeviceId'] = deviceId;
  if (moduleId === undefined) return { kind: 'telemetry', deviceId, systemProperties, properties: bag.properties };
  systemProperties['connectionModuleId'] = moduleId;
  const outputName = systemProperties['outputName'];
  return {
    kind: 'telemetry',
    deviceId,
    moduleId,
    ...(outputName === undefined ? {} : { outputName }),
    systemProperties,
    properties: bag.properties,
  };
}

function parseIotHubPublish(topic: string): InboundTopic {
  const { path, queryStart } = splitIotHubTopic(topic);
  if (path === '$iothub/twin/GET') {
    return { kind: 'twinGet', rid: requireRid(topic, readQuery(topic, queryStart)) };
  }
  if (path === '$iothub/twin/PATCH/properties/reported') {
    const query = readQuery(topic, queryStart);
    const version = optionalQueryInteger(topic, query, '$version');
    return { kind: 'twinReportedPatch', rid: requireRid(topic, query), ...(version === undefined ? {} : { version }) };
  }
  const levels = path.split('/');
  if (levels.length === 4 && levels[1] === 'methods' && levels[2] === 'res') {
    const status = parseTopicInteger(topic, levels[3] ?? '', 'method status', Number.MIN_SAFE_INTEGER);
    return { kind: 'methodResponse', status, rid: requireRid(topic, readQuery(topic, queryStart)) };
  }
  return topicError(topic, `not an '$iothub' topic a client publishes to; ${EXPECTED}`);
}
