export * from './hub/store/index.js';
export * from './hub/endpoints/index.js';
export * from './runtime/index.js';
export * from './agent/step-errors.js';
