export * from './verge-error-of.js';
