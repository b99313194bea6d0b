export * from './free-port.js';
export * from './temp-dir.js';
export * from './tar-gz.js';
