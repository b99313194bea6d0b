// The edge hub (issue #4 item 4; reference azure-iot-edge.md §3–§5, §11): public API for the composition root.
export { createEdgeHub, type EdgeHub, type EdgeHubStatus, type HubMetricsSource } from './edge-hub.js';
export { EdgeHubOptionsSchema, parseEdgeHubOptions, type EdgeHubDeps, type EdgeHubOptions, type EdgeHubOptionsInput } from './hub-options.js';
export { createHttpDeviceScopeSource, DEVICE_SCOPE_API_VERSION, type HttpDeviceScopeSourceOptions } from './scope/http-scope-source.js';
export { createEdgeHubScopeSource, type EdgeHubScopeSourceOptions } from './scope/edge-hub-scope-source.js';
export type { DeviceScopeSnapshot, DeviceScopeSource, ScopeIdentity } from './scope/scope-identity.js';
export { serverCertNames } from './tls/server-cert.js';
