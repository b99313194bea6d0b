export * from './constants.js';
export * from './wire.js';
export * from './model.js';
export * from './fault.js';
