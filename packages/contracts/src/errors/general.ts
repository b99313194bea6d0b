import { defineErrors } from './define.js';

/** Codes shared by every area. Codes are API: deprecate, never rename. */
export const generalErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, description: 'A request or file did not match its schema; `details` lists each path and rule.' },
  INTERNAL_ERROR: { status: 500, description: 'An unexpected failure; the full error is only in the log.' },
});
