import { defineErrors } from './define.js';

/** Error codes of the twin area (IoT Hub device/module twin documents). Codes are API: deprecate, never rename. */
export const twinErrors = defineErrors({
  TWIN_TOO_LARGE: {
    status: 413,
    description: 'Tags (8 KB) or desired/reported properties (32 KB each) would exceed the IoT Hub size limit; the message gives the size and the limit.',
  },
  TWIN_TOO_DEEP: {
    status: 400,
    description: 'An object in tags or desired/reported properties nests deeper than the IoT Hub limit of 10 levels; the message names the path.',
  },
  TWIN_KEY_INVALID: {
    status: 400,
    description: 'A twin key is empty, longer than 1 KB (UTF-8), or contains a control character, `.`, `$` or a space; the message names the key and its parent path.',
  },
  TWIN_VALUE_INVALID: {
    status: 400,
    description: 'A twin value is not JSON, is a string over 4 KB (UTF-8), or an integer outside ±2^52; the message names the path.',
  },
  TWIN_PATCH_INVALID: {
    status: 400,
    description: 'A twin patch or section is not a JSON object.',
  },
});
