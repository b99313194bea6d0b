export * from './errors/index.js';
export * from './clock.js';
export * from './message.js';
export * from './mqtt/index.js';
export * from './manifest/index.js';
export * from './api/index.js';
export * from './hub/index.js';
export * from './edge/index.js';
