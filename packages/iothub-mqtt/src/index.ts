// @verge/iothub-mqtt: the one IoT Hub MQTT protocol surface, used by the cloud's device endpoint and the edge hub.
// A server takes streams (a TLS listener, or `handle(stream, meta)`), speaks MQTT 3.1.1 and the IoT Hub topic surface
// (telemetry, twins, methods, C2D and module inputs, flow control, sessions) and calls an `IotHubBackend`.
export { createIotHubMqttServer, type IotHubMqttServer, type IotHubMqttServerOptions, type IotHubMqttServerStats, type ServerTls } from './server.js';
export type { IngestRefusal, IngestResult, IotHubBackend, TwinAnswer } from './backend.js';
export type { StreamMeta, StreamTransport } from './stream-meta.js';
export { twinErrorAnswer } from './twin-answer.js';
export { defaultIotHubMqttLimits, type IotHubMqttLimits } from './limits.js';
export { addressKey } from './remote-address.js';
export { Connection as MqttConnection, type ConnectionState as MqttConnectionState } from './connection.js';
export {
  SessionRegistry,
  grantedQos,
  isSubscribed,
  parseStoredFilter,
  type Session as MqttSession,
  type SessionSubscription as MqttSessionSubscription,
  type StoredSession as MqttStoredSession,
} from './session-registry.js';
export {
  ConnackCode,
  authenticateConnect,
  tokenAudiences,
  type AuthLookupResult,
  type AuthResult,
  type AuthenticateOptions,
  type ConnectCredentials,
  type PeerCertificate,
} from './authenticate.js';
export { claimIdentity, parseClientId, type ClaimResult, type ClaimedIdentity } from './connect-credentials.js';
export { MethodInvoker, parseMethodPayload, type MethodAnswer, type MethodInvokerErrors, type MethodRequestSender } from './method-invoker.js';
export { FrameReader, type FrameEvent } from './frame-reader.js';
export { PacketDecoder, encodePacket, type Packet } from './packet-codec.js';
export { sweepConnections } from './sweep.js';
export { ConnectionTable } from './connection-table.js';
export {
  clientIdOf,
  describeIdentity,
  type MqttAuthRecord,
  type MqttAuthentication,
  type MqttSessionState,
  type MqttSessionStore,
} from './types.js';
