export * from './message-store.js';
export * from './queue-rules.js';
