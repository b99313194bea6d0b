export * from './bucket-counts.js';
export * from './metrics-exposition.js';
export * from './metrics-listener.js';
