export * from './endpoint-sender.js';
export * from './endpoint-pump.js';
export * from './endpoint-pumps.js';
export * from './pump-counters.js';
export * from './pump-timers.js';
export * from './retry-policy.js';
export { senderIdentity } from './send-groups.js';
