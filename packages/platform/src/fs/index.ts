export * from './private-files.js';
export * from './directory-lock.js';
export * from './disk-guard.js';
