import { defineErrors } from './define.js';

/** Error codes of the topic area. Codes are API: deprecate, never rename. */
export const topicErrors = defineErrors({});
