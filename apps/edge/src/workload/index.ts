// The workload API (reference azure-iot-edge.md §7.1): trust bundle, module-key signing and server certificates,
// over a unix socket (shared and per module) or loopback TCP.
export { WorkloadServer, CONTAINER_WORKLOAD_SOCKET_PATH, CONTAINER_WORKLOAD_URI, type WorkloadServerOptions } from './workload-server.js';
export {
  handleWorkloadRequest,
  type WorkloadCaller,
  type WorkloadContext,
  type WorkloadModule,
  type WorkloadRequest,
  type WorkloadResponse,
  type ModuleGeneration,
} from './workload-routes.js';
export { WORKLOAD_API_VERSIONS, checkApiVersion, type WorkloadApiVersion } from './api-version.js';
export { parseWorkloadUri, formatWorkloadUri, MAX_UNIX_SOCKET_PATH_BYTES, type WorkloadListen } from './workload-uri.js';
export { buildTrustBundle } from './trust-bundle.js';
export { workloadModuleOf } from './module-list.js';
export { readSignRequest, readServerCertificateRequest, type SignRequest, type ServerCertificateRequest, type CertificateResponse } from './wire.js';
