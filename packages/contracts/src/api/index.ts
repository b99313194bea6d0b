export * from './c2d.js';
export * from './errors.js';
export * from './identity.js';
export * from './method.js';
export * from './query.js';
export * from './telemetry.js';
export * from './twin.js';
export * from './edge.js';
