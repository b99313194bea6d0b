export * from './lifecycle.js';
export * from './stop-sequence.js';
export * from './stop-steps.js';
