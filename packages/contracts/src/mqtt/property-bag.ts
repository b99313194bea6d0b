import { VergeError } from '../errors/index.js';
import { systemPropertyWireNames, type SystemPropertyWireName } from '../message.js';
import { percentEncode } from './percent.js';
import { tokenizePropertyBag, type BagLocation } from './property-tokenizer.js';

/** A decoded property bag: system properties under their internal names (reference §5.4), the rest as-is. */
export interface DecodedPropertyBag {
  systemProperties: Record<string, string>;
  properties: Record<string, string>;
}

/** What `encodePropertyBag` and the topic builders accept. */
export interface PropertyBagInput {
  /** System properties keyed by internal name (`messageId`, `cid`, `contentType`, `outputName`, …). */
  readonly systemProperties?: Readonly<Record<string, string>>;
  /** Application properties. */
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * Which way the bag travels. `deviceToHub` is what the Node SDK sends (`$.on` allowed; `$.cdid`/`$.cmid` are
 * dropped because the hub sets them from the authenticated identity); `hubToDevice` is what the hub sends to
 * devices and modules (`$.cdid`/`$.cmid` allowed; `$.on` is inbound only and dropped). Reference §5.4.
 */
export type PropertyBagDirection = 'deviceToHub' | 'hubToDevice';

/** Options of `encodePropertyBag`. */
export interface EncodePropertyBagOptions {
  /** Defaults to `hubToDevice`. */
  readonly direction?: PropertyBagDirection;
}

type InternalName = (typeof systemPropertyWireNames)[SystemPropertyWireName];

// System properties in the order the Node SDK emits them ($.on, $.mid, $.cid, $.uid, $.to, $.ct, $.ce, $.ifid,
// $.exp; azure-sdk-protocol.md §4), then the remaining wire names of reference §5.4.
const DEVICE_TO_HUB_ORDER: readonly InternalName[] = [
  'outputName', 'messageId', 'cid', 'userId', 'to', 'contentType', 'contentEncoding', 'iothub-interface-id',
  'absolute-expiry-time', 'messageSchema', 'creationTime', 'dt-subject', 'iothub-operation',
];
const HUB_TO_DEVICE_ORDER: readonly InternalName[] = [
  ...DEVICE_TO_HUB_ORDER.filter((n) => n !== 'outputName'),
  'connectionDeviceId',
  'connectionModuleId',
];

const INTERNAL_TO_WIRE: ReadonlyMap<string, string> = new Map(
  Object.entries(systemPropertyWireNames).map(([wire, internal]) => [internal, wire]),
);

/** `encodeURIComponent` of each wire name, computed once (`$.mid` → `%24.mid`): one per routed message otherwise. */
const INTERNAL_TO_ENCODED_WIRE: ReadonlyMap<string, string> = new Map(
  [...INTERNAL_TO_WIRE].map(([internal, wire]) => [internal, encodeURIComponent(wire)]),
);

/** `percentEncode`, naming `what()` only when it fails (no description string built per property and message). */
function encodeOrExplain(text: string, what: () => string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return percentEncode(text, what());
  }
}

/** Wire key → internal name, as a Map: one hash lookup of a key sliced from a topic, not an own-property check and a read. */
const WIRE_TO_INTERNAL: ReadonlyMap<string, InternalName> = new Map(
  Object.entries(systemPropertyWireNames) as [SystemPropertyWireName, InternalName][],
);

/** The internal name of a wire key (`$.mid` → `messageId`), or undefined for an application property. */
export function systemPropertyInternalName(wireKey: string): InternalName | undefined {
  return WIRE_TO_INTERNAL.get(wireKey);
}

/**
 * Decodes the property-bag segment of an IoT Hub MQTT topic (`k=v&k2=v2`, reference azure-iot-edge.md §5.4,
 * azure-sdk-protocol.md §4–5). Keys and values are percent-decoded (`%24.mid` and `$.mid` are the same key,
 * `+` is not a space, invalid escapes stay literal); wire keys (`$.mid`, `$.ct`, `$.on`, `$.sub`, …) become
 * system properties under their internal names; every other key is an application property; a key without
 * a value yields `''` (EH: null); later duplicates win; literal `?` is stripped; one trailing `/` is allowed.
 * Throws VergeError TOPIC_PROPERTY_BAG_INVALID naming the offset of an empty name, of a literal `=` inside a
 * value, or of a `/` that is not last.
 */
export function decodePropertyBag(segment: string): DecodedPropertyBag {
  return decodePropertyBagAt({ text: segment, start: 0, label: `property bag '${segment}'` });
}

/** `decodePropertyBag` over the bag that starts at `loc.start` of a longer text (a topic). */
export function decodePropertyBagAt(loc: BagLocation): DecodedPropertyBag {
  // Plain objects filled directly (first insertion order, later duplicates win), not Maps turned into objects with
  // `Object.fromEntries`: this runs once per routed message, and the Maps cost more than the tokenizer.
  const systemProperties: Record<string, string> = {};
  const properties: Record<string, string> = {};
  for (const { key, value } of tokenizePropertyBag(loc)) {
    const internal = systemPropertyInternalName(key);
    if (internal === undefined) setOwn(properties, key, value);
    else systemProperties[internal] = value;
  }
  return { systemProperties, properties };
}

/** `o[key] = value` as an own data property, also for `__proto__` (which plain assignment would treat as the prototype). */
function setOwn(o: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

/**
 * Encodes a property bag for an IoT Hub MQTT topic: system properties first under their wire names in the
 * Node SDK's order, then application properties in insertion order, each as
 * `encodeURIComponent(key)=encodeURIComponent(value)` joined by `&` (so `$.mid` goes out as `%24.mid`, as
 * `querystring.stringify` in the SDK and `Uri.EscapeDataString` in EH do). System properties without a wire
 * name for `direction` (see `PropertyBagDirection`; e.g. `enqueuedTime`) are left out. Throws VergeError
 * TOPIC_PROPERTY_BAG_INVALID for an empty application property name, an application property named like a
 * system wire key (it would come back as a system property), or text with a lone UTF-16 surrogate.
 */
export function encodePropertyBag(bag: PropertyBagInput = {}, opts: EncodePropertyBagOptions = {}): string {
  const order = (opts.direction ?? 'hubToDevice') === 'hubToDevice' ? HUB_TO_DEVICE_ORDER : DEVICE_TO_HUB_ORDER;
  const parts: string[] = [];
  const system = bag.systemProperties ?? {};
  for (const name of order) {
    if (!Object.hasOwn(system, name)) continue;
    const value = system[name];
    const wire = INTERNAL_TO_ENCODED_WIRE.get(name);
    if (value === undefined || wire === undefined) continue;
    parts.push(`${wire}=${encodeOrExplain(value, () => `system property '${name}'`)}`);
  }
  for (const [key, value] of Object.entries(bag.properties ?? {})) {
    parts.push(`${encodeApplicationKey(key)}=${encodeOrExplain(value, () => `the value of application property '${key}'`)}`);
  }
  return parts.join('&');
}

function encodeApplicationKey(key: string): string {
  if (key === '') {
    throw new VergeError('TOPIC_PROPERTY_BAG_INVALID', 'application property name is empty; a property bag cannot carry an empty name');
  }
  if (systemPropertyInternalName(key) !== undefined) {
    throw new VergeError(
      'TOPIC_PROPERTY_BAG_INVALID',
      `application property '${key}' has the wire name of a system property; it would be read back as system property '${systemPropertyInternalName(key) ?? ''}'`,
      { details: { key } },
    );
  }
  return encodeOrExplain(key, () => `application property name '${key}'`);
}
