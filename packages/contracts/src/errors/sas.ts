import { defineErrors } from './define.js';

/** Error codes of the sas area (SAS tokens, keys, connection strings). Codes are API: deprecate, never rename. */
export const sasErrors = defineErrors({
  SAS_TOKEN_MALFORMED: {
    status: 401,
    description:
      'A shared access signature token could not be parsed: the message names the missing prefix, the missing, empty or duplicate field, or the invalid value.',
  },
  SAS_KEY_INVALID: {
    status: 400,
    description: 'A shared access key is empty, is not base64, or decodes to a length IoT Hub does not accept (16 to 64 bytes).',
  },
  SAS_DATA_INVALID: { status: 400, description: 'The data to sign (workload API `/sign`) is not valid base64.' },
  SAS_PARAMETER_INVALID: {
    status: 400,
    description:
      'An argument of a SAS helper is invalid: empty resource or host, identifier containing `/`, expiry not a positive integer number of seconds, or text that cannot be URL-encoded.',
  },
  CONNECTION_STRING_INVALID: {
    status: 400,
    description:
      'An IoT Hub connection string is malformed: the message names the missing, duplicate, empty or unknown field, or the conflicting credentials.',
  },
});
