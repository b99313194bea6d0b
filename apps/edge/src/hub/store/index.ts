export * from './memory-message-store.js';
export * from './sqlite-message-store.js';
export { defaultMemoryStoreMaxBytes, defaultSqliteStoreMaxBytes, maxExpiredPerRead } from './store-rules.js';
