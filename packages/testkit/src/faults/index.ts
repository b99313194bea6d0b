export * from './docker-outage-proxy.js';
export * from './https.js';
export * from './producer-runs.js';
export * from './seq-tracker.js';
export * from './tcp-proxy.js';
export * from './tmpfs.js';
