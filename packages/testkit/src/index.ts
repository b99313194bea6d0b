export * from './clock/index.js';
export * from './contracts/index.js';
export * from './host/index.js';
export * from './wait/index.js';
