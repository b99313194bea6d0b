export { createCloudMetrics, type CloudMetrics, type CloudMetricsSources } from './cloud-metrics.js';
export { CloudMetricCounts, type ApiRequestObservation, type ClientKind, type MethodResult } from './cloud-metric-counts.js';
export { storeFleetGauges, type FleetGauges } from './fleet-gauges.js';
export { observePublishes } from './observed-bus.js';
export { timeTransactions } from './timed-store.js';
