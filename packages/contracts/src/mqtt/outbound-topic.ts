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

/** Every topic the hub publishes to a client (azure-sdk-protocol.md §5). */
export type OutboundTopic =
  | {
      readonly kind: 'c2d';
      readonly deviceId: string;
      readonly systemProperties: Readonly<Record<string, string>>;
      readonly properties: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'moduleInput';
      readonly deviceId: string;
      readonly moduleId: string;
      readonly inputName: string;
      readonly systemProperties: Readonly<Record<string, string>>;
      readonly properties: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'twinResponse'; readonly status: number; readonly rid: string; readonly version?: number }
  | { readonly kind: 'twinDesiredPatch'; readonly version?: number }
  | { readonly kind: 'methodRequest'; readonly methodName: string; readonly rid: string };

const EXPECTED =
  "expected 'devices/{d}/messages/devicebound/{bag}', 'devices/{d}/modules/{m}/inputs/{input}/{bag}', " +
  "'$iothub/twin/res/{status}/?$rid=', '$iothub/twin/PATCH/properties/desired/?$version=' or '$iothub/methods/POST/{name}/?$rid='";

/**
 * Parses a topic the hub publishes to a device or module — the client side of `topics.c2d`,
 * `topics.moduleInput`, `topics.twinResponse`, `topics.twinDesiredPatch` and `topics.methodRequest`. Like the
 * SDK, it requires the `/` after `devicebound` and after the input name, and accepts `…/res/200?$rid=` and
 * `…/POST/{name}?$rid=` without the `/`. Throws VergeError TOPIC_INVALID (or TOPIC_PROPERTY_BAG_INVALID).
 */
export function parseOutboundTopic(topic: string): OutboundTopic {
  if (topic.startsWith('$iothub/')) return parseIotHubDelivery(topic);
  const levels = topic.split('/');
  if (levels[0] === 'devices' && levels[2] === 'messages' && levels[3] === 'devicebound' && levels.length >= 5) {
    const bag = decodePropertyBagAt({ text: topic, start: levels.slice(0, 4).join('/').length + 1, label: `topic '${topic}'` });
    return { kind: 'c2d', deviceId: checkTopicLevel(topic, levels[1] ?? '', 'deviceId'), ...bag };
  }
  if (levels[0] === 'devices' && levels[2] === 'modules' && levels[4] === 'inputs' && levels.length >= 7) {
    const bag = decodePropertyBagAt({ text: topic, start: levels.slice(0, 6).join('/').length + 1, label: `topic '${topic}'` });
    return {
      kind: 'moduleInput',
      deviceId: checkTopicLevel(topic, levels[1] ?? '', 'deviceId'),
      moduleId: checkTopicLevel(topic, levels[3] ?? '', 'moduleId'),
      inputName: checkTopicLevel(topic, levels[5] ?? '', 'inputName'),
      ...bag,
    };
  }
  return topicError(topic, `not a topic the hub publishes to a client; ${EXPECTED}`);
}

function parseIotHubDelivery(topic: string): OutboundTopic {
  const { path, queryStart } = splitIotHubTopic(topic);
  const query = readQuery(topic, queryStart);
  if (path === '$iothub/twin/PATCH/properties/desired') {
    const version = optionalQueryInteger(topic, query, '$version');
    return { kind: 'twinDesiredPatch', ...(version === undefined ? {} : { version }) };
  }
  const levels = path.split('/');
  if (levels.length === 4 && levels[1] === 'twin' && levels[2] === 'res') {
    const status = parseTopicInteger(topic, levels[3] ?? '', 'twin status', 0);
    const version = optionalQueryInteger(topic, query, '$version');
    return { kind: 'twinResponse', status, rid: requireRid(topic, query), ...(version === undefined ? {} : { version }) };
  }
  if (levels.length === 4 && levels[1] === 'methods' && levels[2] === 'POST') {
    const methodName = checkTopicLevel(topic, levels[3] ?? '', 'methodName');
    return { kind: 'methodRequest', methodName, rid: requireRid(topic, query) };
  }
  return topicError(topic, `not an '$iothub' topic the hub publishes; ${EXPECTED}`);
}
