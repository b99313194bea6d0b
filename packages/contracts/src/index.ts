export * from './errors/index.js';
export * from './message.js';
