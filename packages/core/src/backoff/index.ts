export { backoffDelayMs, type BackoffPolicy } from './backoff.js';
export * from './policies.js';
