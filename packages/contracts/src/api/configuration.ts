import { z } from 'zod';

// Wire shapes of automatic deployments (IoT Hub `Configuration`, reference azure-iot-edge.md §10), as azure-iothub's
// `Registry.addConfiguration` / `getConfiguration(s)` / `updateConfiguration` / `removeConfiguration` send and read
// them, plus Verge's `rollout` policy and the device ids behind each metric.

/** IoT Hub's limit of custom metrics per configuration (reference §10.1). */
export const CONFIGURATION_MAX_METRICS = 5;
/** IoT Hub's limit of configurations (deployments, layered ones included) per paid hub (reference §10.1). */
export const CONFIGURATION_MAX_COUNT = 100;

/** `content` of a deployment: module twins' desired properties (`$edgeAgent`, `$edgeHub`, modules). */
export const ConfigurationContentSchema = z.looseObject({
  modulesContent: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  deviceContent: z.unknown().optional(),
  moduleContent: z.unknown().optional(),
});

/** `metrics` / `systemMetrics`: named queries and their results (counts of devices). */
export const ConfigurationMetricsSchema = z.looseObject({
  queries: z.record(z.string(), z.string()).nullish(),
  results: z.record(z.string(), z.number()).nullish(),
});

/**
 * Body of `PUT /configurations/{id}` (create without `If-Match`; update with `If-Match` `"etag"` or `*`). Read-only
 * fields a client echoes back (`createdTimeUtc`, `systemMetrics`, `metrics.results`, …) are accepted and ignored;
 * `id` and `content` cannot change after creation.
 */
export const ConfigurationInputDtoSchema = z.looseObject({
  id: z.string(),
  schemaVersion: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  content: ConfigurationContentSchema,
  targetCondition: z.string().nullish(),
  priority: z.number().nullish(),
  metrics: ConfigurationMetricsSchema.nullish(),
  etag: z.string().nullish(),
  /** Verge: a staged-rollout policy (validated by the rollout service); absent or null: every targeted device at once. */
  rollout: z.record(z.string(), z.unknown()).nullish(),
});
export type ConfigurationInputDto = z.infer<typeof ConfigurationInputDtoSchema>;

/** `systemMetrics.results` (reference §10.4). */
export const SystemMetricResultsSchema = z.object({
  targetedCount: z.number().int(),
  appliedCount: z.number().int(),
  reportedSuccessfulCount: z.number().int(),
  reportedFailedCount: z.number().int(),
});
export type SystemMetricResults = z.infer<typeof SystemMetricResultsSchema>;

/** A deployment as the server returns it (IoT Hub `Configuration`). */
export const ConfigurationDtoSchema = z.object({
  id: z.string(),
  schemaVersion: z.string(),
  labels: z.record(z.string(), z.string()),
  content: z.object({ modulesContent: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  contentType: z.literal('assignment'),
  targetCondition: z.string(),
  createdTimeUtc: z.string(),
  lastUpdatedTimeUtc: z.string(),
  priority: z.number().int(),
  systemMetrics: z.object({ queries: z.record(z.string(), z.string()), results: SystemMetricResultsSchema }),
  metrics: z.object({ queries: z.record(z.string(), z.string()), results: z.record(z.string(), z.number().int()) }),
  etag: z.string(),
  rollout: z.record(z.string(), z.unknown()).nullable(),
});
export type ConfigurationDto = z.infer<typeof ConfigurationDtoSchema>;

/** `GET /configurations/{id}/metrics` (Verge): the device ids behind every system and custom metric, sorted. */
export const ConfigurationMetricDevicesDtoSchema = z.object({
  id: z.string(),
  systemMetrics: z.object({
    targetedCount: z.array(z.string()),
    appliedCount: z.array(z.string()),
    reportedSuccessfulCount: z.array(z.string()),
    reportedFailedCount: z.array(z.string()),
  }),
  metrics: z.record(z.string(), z.array(z.string())),
});
export type ConfigurationMetricDevicesDto = z.infer<typeof ConfigurationMetricDevicesDtoSchema>;
