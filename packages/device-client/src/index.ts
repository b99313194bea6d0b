// @verge/device-client: an IoT Hub MQTT client for one device or module identity (azure-sdk-protocol.md), used by
// the edge agent, the edge hub's upstream connections, the benchmarks and the fleet simulator.
export { createDeviceClient } from './device-client.js';
export { deviceClientFromConnectionString } from './from-connection-string.js';
export { DEVICE_CLIENT_TYPE, type DeviceClientOptions, type DeviceClientCredential, type DeviceClientLog, type ReconnectPolicy } from './options.js';
export { clientIdOf, usernameOf, resourceOf } from './credentials.js';
export { reconnectDelayMs } from './backoff.js';
export type { OutgoingMessage, ReceivedMessage, InputMessage } from './messages.js';
export type { SendOptions } from './outbox.js';
export type { RequestOptions } from './twin-requests.js';
export type {
  DeviceClient,
  DeviceClientEvents,
  ConnectOptions,
  ConnectedEvent,
  ConnectedReason,
  DisconnectedEvent,
  DisconnectedReason,
  MethodHandler,
  MethodRequest,
  MethodResponse,
  TwinDocument,
} from './types.js';
