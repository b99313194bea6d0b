export {};
export * from './identity/index.js';
export * from './manifest/index.js';
export * from './twin/index.js';
export * from './route/index.js';
export * from './deployment/index.js';
export * from './agent/index.js';
export * from './query/index.js';
export * from './deploy/index.js';
