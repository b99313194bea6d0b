import { defineErrors } from './define.js';

/** Error codes of the manifest area. Codes are API: deprecate, never rename. */
export const manifestErrors = defineErrors({
  MANIFEST_INVALID: {
    status: 400,
    description:
      'A deployment manifest (or `$edgeAgent` / `$edgeHub` desired properties) is invalid; `details.faults` lists every fault with its JSON path, rule and `lastDesiredStatus` code.',
  },
  MANIFEST_CREATE_OPTIONS_TOO_LONG: {
    status: 400,
    description: '`createOptions` JSON is longer than 100 pieces of 512 characters, the most a twin can carry (`createOptions` … `createOptions99`).',
  },
});
