export * from './clock/index.js';
export * from './fs/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './log/index.js';
export * from './sqlite/index.js';
export * from './pki/index.js';
export * from './metrics/index.js';
