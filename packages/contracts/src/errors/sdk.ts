import { defineErrors } from './define.js';

/**
 * Error codes of the IoT Hub MQTT device client (`@verge/device-client`), used by the edge agent, the edge hub's
 * upstream connections, the benchmarks and the fleet simulator. Codes are API: deprecate, never rename.
 */
export const sdkErrors = defineErrors({
  SDK_OPTIONS_INVALID: {
    status: 400,
    description:
      'A device-client option is invalid (empty id or host, a port out of range, a token lifetime not above its renewal margin, no credential); the message names the option.',
  },
  SDK_OPERATION_UNSUPPORTED: {
    status: 400,
    description:
      'The operation does not exist for this kind of identity: cloud-to-device messages are for devices, input messages and output names for modules.',
  },
  SDK_MESSAGE_TOO_LARGE: {
    status: 413,
    description: 'A message body is larger than the client accepts (IoT Hub: 256 KiB), or its properties make a topic longer than MQTT allows (65,535 bytes); it was not sent.',
  },
  SDK_CONNECT_REFUSED: {
    status: 401,
    description:
      'The hub refused the MQTT CONNECT (CONNACK return code 1 to 5, e.g. 5 "not authorized"): wrong key, unknown or disabled identity, expired token.',
  },
  SDK_CONNECTION_FAILED: {
    status: 503,
    description: 'The client could not reach the hub (DNS, TCP, TLS verification, connect timeout) or lost the connection; it keeps retrying with backoff.',
  },
  SDK_SIGNING_FAILED: {
    status: 503,
    description: 'The signer callback (e.g. the workload API) failed to sign the SAS token for a connection attempt; the attempt is retried with backoff.',
  },
  SDK_SUBSCRIBE_FAILED: {
    status: 502,
    description: 'The hub refused a subscription (SUBACK failure code 0x80); the feature is retried on the next connection.',
  },
  SDK_REQUEST_TIMEOUT: {
    status: 504,
    description: 'A twin request or an event got no response or acknowledgement within its timeout (offline time counts).',
  },
  SDK_REQUEST_ABORTED: { status: 499, description: "The caller's AbortSignal ended the operation before it completed." },
  SDK_TWIN_REQUEST_FAILED: {
    status: 502,
    description: 'The hub answered a twin request with an error status (`$iothub/twin/res/{status}` ≥ 300); the message carries the status and the error body.',
  },
  SDK_RESPONSE_INVALID: {
    status: 502,
    description: 'The hub answered a twin request with a body that is not the expected JSON (`{"desired":{…},"reported":{…}}` for a GET).',
  },
  SDK_CLIENT_CLOSED: { status: 503, description: 'The device client was closed; the operation was not (or not known to be) completed.' },
});
