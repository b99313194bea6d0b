export * from './devices.js';
export * from './events.js';
export * from './service-sdk.js';
export * from './sse.js';
export * from './test-cloud.js';
export * from './test-bus.js';
export * from './cloud-process.js';
export * from './haproxy.js';
