export * from './silent-log.js';
