export * from './api-records.js';
