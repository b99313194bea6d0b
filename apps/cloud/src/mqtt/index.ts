/**
 * The cloud's MQTT device endpoint (issue #3 item 4; azure-sdk-protocol.md).
 *
 * Design notes:
 * - Protocol: the one IoT Hub MQTT surface (@verge/iothub-mqtt: TLS or any stream, framing, CONNECT, sessions,
 *   SUBSCRIBE authorization, publish checks, topic dispatch, twin answers, PUBACK order, limits, sweeps), also used
 *   by the edge hub; this directory holds the cloud's backend (cloud-backend.ts: registry authentication, C2D,
 *   twins, methods, telemetry) and the REST API's gateway to connected devices.
 * - Broker: a purpose-built MQTT 3.1.1 server on mqtt-packet, not aedes. The IoT Hub surface is request/response
 *   between one client and the hub (no client-to-client routing, no wildcards beyond five fixed filters, no
 *   retained messages), and the endpoint needs control aedes does not give: C2D comes from the services' durable
 *   queue (aedes would keep a second, in-memory copy), PUBACK only after telemetry is persisted, a packet size
 *   known before the body is buffered, admission control before TLS work.
 * - Sessions: clean=false sessions keep subscriptions across DISCONNECT/CONNECT (token renewal) and drops; with
 *   `loadMqttSession`/`saveMqttSession` implemented by the services they survive a cloud restart too. As a second
 *   guard, twin responses always go to the connection that made the request, subscribed or not: a client whose
 *   session was lost (services without session persistence, or a store restored from backup) never hangs on a
 *   twin GET (the SDK never re-subscribes `$iothub/twin/res/#`, reference §0.3). Desired-property patches go only to
 *   sessions subscribed to them.
 * - Refusals: MQTT 3.1.1 cannot refuse a single PUBLISH, so, as IoT Hub does, an unacceptable publish (over
 *   256 KiB, a topic not the client's own, QoS 2) closes that connection without PUBACK.
 * - Unsupported: CA-signed X.509 authentication (CONNACK 5), will messages (ignored), MQTT 5 (CONNACK 1).
 */
export { createDeviceEndpoint } from './device-endpoint.js';
export type { DeviceEndpoint, DeviceEndpointOptions, DeviceEndpointStats, EndpointTls } from './device-endpoint.js';
export { defaultDeviceEndpointLimits, type DeviceEndpointLimits } from './limits.js';
