import { defineErrors } from './define.js';

/** Error codes of the sas area. Codes are API: deprecate, never rename. */
export const sasErrors = defineErrors({});
