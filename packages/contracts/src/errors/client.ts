import { defineErrors } from './define.js';

/**
 * Error codes of the API client (`@verge/api-client`): failures seen on the client side of the service API, before or
 * instead of a server error body. Server errors keep the server's own code. Codes are API: deprecate, never rename.
 */
export const clientErrors = defineErrors({
  CLIENT_CONNECTION_STRING_INVALID: {
    status: 400,
    description: 'The connection string given to the API client is not a service (shared access policy) connection string.',
  },
  CLIENT_BASE_URL_INVALID: {
    status: 400,
    description: 'The API base URL is not an absolute http(s) URL, or uses plain HTTP to a host that is not loopback.',
  },
  CLIENT_MESSAGE_INVALID: {
    status: 400,
    description:
      'A cloud-to-device message cannot be sent as given: a property name is not an HTTP header token, or a value holds characters an HTTP header cannot carry.',
  },
  CLIENT_PATH_SEGMENT_INVALID: {
    status: 400,
    description:
      "A device, module, deployment or job id is empty, '.' or '..': as a URL path segment it would name another resource (`/devices/..` is `/`), so nothing was sent.",
  },
  CLIENT_NETWORK_FAILED: {
    status: 503,
    description: 'The API could not be reached: connection refused or reset, DNS failure, TLS verification failure.',
  },
  CLIENT_HTTP_STATUS: {
    status: 502,
    description: 'The API answered with an error status but without an error body naming a code; the message carries the status and body.',
  },
  CLIENT_RESPONSE_INVALID: {
    status: 502,
    description: 'The API answered with a success status but a body that is not the JSON document the operation returns.',
  },
});
