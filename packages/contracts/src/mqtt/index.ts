export * from './percent.js';
export * from './property-tokenizer.js';
export * from './property-bag.js';
export * from './topics.js';
export * from './inbound-topic.js';
export * from './outbound-topic.js';
export * from './subscription.js';
export * from './publish-frame.js';
