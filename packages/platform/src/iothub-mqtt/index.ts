// The transport shared by every server of the IoT Hub MQTT surface: the cloud's device endpoint and the edge hub
// (issue #4: "reuse its session/auth/topic handling ... rather than writing a second broker").
export { createIotHubMqttServer, type IotHubMqttServer, type IotHubMqttServerOptions, type IotHubMqttServerStats, type ServerTls } from './server.js';
export type { IotHubMqttHandler, InboundPublish } from './handler.js';
export { defaultIotHubMqttLimits, type IotHubMqttLimits } from './limits.js';
export { Connection as MqttConnection, type ConnectionState as MqttConnectionState } from './connection.js';
export { SessionRegistry, isSubscribed, parseStoredFilter, type Session as MqttSession, type SessionSubscription as MqttSessionSubscription } from './session-registry.js';
export {
  ConnackCode,
  authenticateConnect,
  tokenAudiences,
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
  type MqttIdentity,
  type MqttSessionState,
  type MqttSessionStore,
} from './types.js';
