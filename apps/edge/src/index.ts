export * from './hub/store/index.js';
export * from './hub/endpoints/index.js';
export * from './runtime/index.js';
export * from './agent/index.js';
export * from './workload/index.js';
export * from './hub/index.js';
export { startEdge, type StartEdgeOptions, type RunningEdge } from './start-edge.js';
export {
  parseEdgeConfig,
  EdgeConfigSchema,
  EDGE_LOG_LEVELS,
  EDGE_RUNTIME_CHOICES,
  EDGE_PROCESS_USER_CHOICES,
  EDGE_CONNECTION_STRING_ENV,
  DEFAULT_EDGE_DATA_DIR,
  type EdgeConfig,
  type EdgeConfigInput,
} from './config.js';
export { installEdgeConfig, edgeConfigPath, EDGE_CONFIG_FILE, type InstalledEdgeConfig } from './config-file.js';
export { edgeCaPaths } from './edge-ca.js';
export { runEdgeChecks, checkFailed, formatCheckReport, type EdgeCheckOptions, type CheckReport, type CheckResult, type CheckStatus } from './check/index.js';
export { writeSupportBundle, redactSettings, redactText, type RuntimeManagement, type SupportBundleOptions, type SupportBundleResult } from './support/index.js';
export { createEdgeMetrics, startMetricsServer, type EdgeMetrics, type MetricsServer } from './metrics/index.js';
export { parseLogTime } from './agent/module-logs-request.js';
