export * from './message-store.contract.js';
export * from './module-runtime.contract.js';
