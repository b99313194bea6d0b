export * from './devices.js';
export * from './events.js';
export * from './sse.js';
export * from './test-cloud.js';
