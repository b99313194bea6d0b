export * from './management-api.js';
export * from './dead-letters.js';
