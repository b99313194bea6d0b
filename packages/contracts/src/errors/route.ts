import { defineErrors } from './define.js';

/** Error codes of the route area. Codes are API: deprecate, never rename. */
export const routeErrors = defineErrors({});
