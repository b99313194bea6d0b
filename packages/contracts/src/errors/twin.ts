import { defineErrors } from './define.js';

/** Error codes of the twin area. Codes are API: deprecate, never rename. */
export const twinErrors = defineErrors({});
