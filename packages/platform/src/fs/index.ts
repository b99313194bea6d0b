export * from './private-files.js';
export * from './directory-lock.js';
export * from './disk-guard.js';
export * from './create-directories.js';
export * from './fs-error-cause.js';
