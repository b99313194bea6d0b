import { defineErrors } from './define.js';

/** Error codes of the query area (IoT Hub twin query language). Codes are API: deprecate, never rename. */
export const queryErrors = defineErrors({
  QUERY_INVALID: {
    status: 400,
    description:
      'A twin query is not valid IoT Hub query language (`SELECT … FROM devices[.modules] [WHERE …] [GROUP BY …]`) or is longer than 8192 characters: the message names the line and column, what was expected and what was found.',
  },
  QUERY_CONTINUATION_INVALID: {
    status: 400,
    description: 'A query continuation token is malformed or was issued for a different query.',
  },
  QUERY_PAGE_SIZE_INVALID: {
    status: 400,
    description: 'A query page size is not a positive integer.',
  },
});
