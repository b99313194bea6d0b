import { defineErrors } from './define.js';

/** Error codes of the manifest area. Codes are API: deprecate, never rename. */
export const manifestErrors = defineErrors({});
