export * from './management-api.js';
