export * from './endpoint-sender.js';
export * from './endpoint-pump.js';
export * from './endpoint-pumps.js';
export * from './pump-counters.js';
export { senderIdentity } from './send-groups.js';
