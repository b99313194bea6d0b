export * from './error-body.js';
export * from './error-plugin.js';
export * from './mqtt-websocket.js';
