import { checkTopicLevel, topicError } from './topic-parts.js';

/** A subscription filter of the IoT Hub MQTT surface (azure-sdk-protocol.md §3, reference azure-iot-edge.md §5.3). */
export type Subscription =
  | { readonly kind: 'twinResponses' }
  | { readonly kind: 'twinDesiredPatches' }
  | { readonly kind: 'methodRequests' }
  | { readonly kind: 'c2d'; readonly deviceId: string }
  | { readonly kind: 'moduleInputs'; readonly deviceId: string; readonly moduleId: string };

const FIXED: ReadonlyMap<string, Subscription> = new Map<string, Subscription>([
  ['$iothub/twin/res/#', { kind: 'twinResponses' }],
  ['$iothub/twin/PATCH/properties/desired/#', { kind: 'twinDesiredPatches' }],
  ['$iothub/methods/POST/#', { kind: 'methodRequests' }],
]);

const EXPECTED =
  "expected '$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#', " +
  "'devices/{deviceId}/messages/devicebound/#', 'devices/{deviceId}/modules/{moduleId}/inputs/#' or 'devices/{deviceId}/modules/{moduleId}/#'";

/**
 * Parses a filter a client subscribes to. Besides the SDK's `devices/{d}/modules/{m}/inputs/#`, module inputs
 * may be subscribed as `devices/{d}/modules/{m}/#` (EH regex `^devices/.+/modules/.+/#$`, reference §5.3).
 * Ids may not contain wildcards: a client subscribes only to its own topics. Anything else throws VergeError
 * TOPIC_INVALID naming the filter and the accepted forms. Authorization is `canSubscribe` in @verge/core.
 */
export function parseSubscription(filter: string): Subscription {
  const fixed = FIXED.get(filter);
  if (fixed !== undefined) return { ...fixed };
  const levels = filter.split('/');
  if (levels[0] !== 'devices' || levels[levels.length - 1] !== '#') {
    return topicError(filter, `not a subscription filter of the IoT Hub MQTT surface; ${EXPECTED}`);
  }
  if (levels.length === 5 && levels[2] === 'messages' && levels[3] === 'devicebound') {
    return { kind: 'c2d', deviceId: checkTopicLevel(filter, levels[1] ?? '', 'deviceId') };
  }
  const isInputs = levels.length === 6 && levels[4] === 'inputs';
  if (levels[2] === 'modules' && (levels.length === 5 || isInputs)) {
    const deviceId = checkTopicLevel(filter, levels[1] ?? '', 'deviceId');
    return { kind: 'moduleInputs', deviceId, moduleId: checkTopicLevel(filter, levels[3] ?? '', 'moduleId') };
  }
  return topicError(filter, `not a subscription filter of the IoT Hub MQTT surface; ${EXPECTED}`);
}
