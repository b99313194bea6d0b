import { defineErrors } from './define.js';

/** Error codes of the target area. Codes are API: deprecate, never rename. */
export const targetErrors = defineErrors({});
