export * from './mqtt-frames.js';
export * from './mqtt-fuzz-cases.js';
export * from './mqtt-probe.js';
export * from './sas.js';
export * from './sdk-device.js';
