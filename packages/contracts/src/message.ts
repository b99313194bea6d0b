/**
 * A device-to-cloud or module message as the hub and the cloud carry it.
 *
 * `systemProperties` uses Azure IoT Edge's internal key names (reference azure-iot-edge.md §3.3 and §5.4):
 * `messageId`, `cid` (correlation id), `userId`, `to`, `contentType`, `contentEncoding`, `messageSchema`,
 * `creationTime`, `connectionDeviceId`, `connectionModuleId`, `outputName`, `enqueuedTime`,
 * `absolute-expiry-time`, `iothub-operation`, `dt-subject`, `iothub-interface-id`, `modelId`, `messageType`,
 * `edgeMessageId`. The route language resolves `$name` against exactly these keys.
 */
export interface Message {
  /** The payload bytes, untouched. */
  readonly body: Uint8Array;
  /** Application properties: always strings (MQTT property bag values). */
  readonly properties: Readonly<Record<string, string>>;
  /** System properties keyed by their internal names (see above). */
  readonly systemProperties: Readonly<Record<string, string>>;
}

/** Wire names of system properties in an MQTT property bag, mapped to internal names (reference §5.4). */
export const systemPropertyWireNames = {
  '$.mid': 'messageId',
  '$.cid': 'cid',
  '$.uid': 'userId',
  '$.to': 'to',
  '$.exp': 'absolute-expiry-time',
  '$.ct': 'contentType',
  '$.ce': 'contentEncoding',
  '$.on': 'outputName',
  '$.schema': 'messageSchema',
  '$.ctime': 'creationTime',
  '$.ifid': 'iothub-interface-id',
  '$.sub': 'dt-subject',
  'iothub-operation': 'iothub-operation',
  '$.cdid': 'connectionDeviceId',
  '$.cmid': 'connectionModuleId',
} as const satisfies Record<string, string>;

export type SystemPropertyWireName = keyof typeof systemPropertyWireNames;
