export * from './fake-clock.js';
export * from './advance-until.js';
