export * from './message-store.contract.js';
