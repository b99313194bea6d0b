export * from './edge-deployment.js';
export * from './example-manifest.js';
