export { createEdgeMetrics, type EdgeMetrics, type EdgeMetricsSources, type MetricsExposition } from './edge-metrics.js';
export { startMetricsServer, type MetricsListen, type MetricsServer } from './metrics-server.js';
