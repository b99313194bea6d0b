export * from './message-store.js';
export * from './queue-rules.js';
export * from './readiness.js';
