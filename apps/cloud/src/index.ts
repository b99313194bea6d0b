// The cloud's public API: the composition root for `verge cloud start`, the credentials reader for
// `verge cloud credentials`, and the pieces tests, benchmarks and a future multi-instance setup build from.
export { startCloud, DATABASE_FILE, type RunningCloud, type StartCloudOptions } from './start-cloud.js';
export { CloudConfigSchema, parseCloudConfig, type CloudConfig, type CloudConfigInput } from './config.js';
export { readCloudCredentials, writeCloudCredentials, CloudCredentialsSchema, CREDENTIALS_FILE, type CloudCredentials } from './credentials.js';
export { buildApp, API_VERSION, type ServiceApp } from './http/app.js';
export type { ApiDeps, EventStreamSettings } from './http/api-deps.js';
export { createCloudServices, type CloudServices } from './cloud-services.js';
export * from './events/index.js';
export * from './bus/index.js';
export * from './store/index.js';
export type * from './services/types.js';
export type { RandomSource, ServiceContext } from './services/context.js';
export { systemRandom } from './services/system-sources.js';
