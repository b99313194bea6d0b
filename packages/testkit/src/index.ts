export * from './api/index.js';
export * from './clock/index.js';
export * from './contracts/index.js';
export * from './errors/index.js';
export * from './host/index.js';
export * from './log/index.js';
export * from './wait/index.js';
