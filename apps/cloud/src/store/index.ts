export * from './ports.js';
export * from './records.js';
export * from './sqlite/sqlite-cloud-store.js';
