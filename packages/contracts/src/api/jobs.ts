import { z } from 'zod';
import { MethodPayloadSchema, MethodResultSchema } from './method.js';
import { TwinCollectionSchema } from './twin.js';

// IoT Hub jobs v2 (`/jobs/v2/{id}`): what azure-iothub's JobClient sends and reads.

/** Job types Verge runs (IoT Hub's `scheduleUpdateTwin` and `scheduleDeviceMethod`). */
export const JobTypeSchema = z.enum(['scheduleUpdateTwin', 'scheduleDeviceMethod']);
export type JobType = z.infer<typeof JobTypeSchema>;

/** IoT Hub job statuses. `queued`: due, not picked up yet; `scheduled`: waits for its `startTime`. */
export const JobStatusSchema = z.enum(['queued', 'scheduled', 'running', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Statuses a job never leaves. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** Longest `maxExecutionTimeInSeconds` accepted (7 days). */
export const MAX_JOB_EXECUTION_SECONDS = 7 * 24 * 3600;

/** The direct method a `scheduleDeviceMethod` job invokes on each device (IoT Hub `CloudToDeviceMethod`). */
export const JobMethodSchema = z.looseObject({
  methodName: z.string().min(1).max(100),
  payload: MethodPayloadSchema,
  responseTimeoutInSeconds: z.number().int().min(5).max(300).nullish(),
  connectTimeoutInSeconds: z.number().int().min(0).max(300).nullish(),
});
export type JobMethod = z.infer<typeof JobMethodSchema>;

/** The twin patch a `scheduleUpdateTwin` job merges into each device twin (`etag` is `*` or absent). */
export const JobTwinPatchSchema = z.looseObject({
  etag: z.string().nullish(),
  tags: TwinCollectionSchema.nullish(),
  properties: z.looseObject({ desired: TwinCollectionSchema.nullish(), reported: z.unknown().optional() }).nullish(),
});
export type JobTwinPatch = z.infer<typeof JobTwinPatchSchema>;

/** Body of `PUT /jobs/v2/{id}` (JobClient `scheduleTwinUpdate` / `scheduleDeviceMethod`). */
export const JobRequestSchema = z.looseObject({
  jobId: z.string().nullish(),
  type: z.string(),
  /** A WHERE clause over device twins (`tags.site = 'a'`, `deviceId IN ['d1','d2']`). */
  queryCondition: z.string().min(1).max(8192),
  /** ISO-8601; absent or null: now. */
  startTime: z.string().nullish(),
  maxExecutionTimeInSeconds: z.number().int().min(1).max(MAX_JOB_EXECUTION_SECONDS).nullish(),
  updateTwin: JobTwinPatchSchema.nullish(),
  cloudToDeviceMethod: JobMethodSchema.nullish(),
});
export type JobRequest = z.infer<typeof JobRequestSchema>;

/** Per-device counts of a job (IoT Hub `deviceJobStatistics`). */
export const DeviceJobStatisticsSchema = z.object({
  deviceCount: z.number().int(),
  failedCount: z.number().int(),
  succeededCount: z.number().int(),
  runningCount: z.number().int(),
  pendingCount: z.number().int(),
});
export type DeviceJobStatistics = z.infer<typeof DeviceJobStatisticsSchema>;

/** A job as the server returns it (IoT Hub `JobResponse`). Times are ISO-8601. */
export const JobDtoSchema = z.object({
  jobId: z.string(),
  queryCondition: z.string(),
  createdTime: z.string(),
  startTime: z.string(),
  endTime: z.string().optional(),
  maxExecutionTimeInSeconds: z.number().int(),
  type: JobTypeSchema,
  status: JobStatusSchema,
  failureReason: z.string().optional(),
  statusMessage: z.string().optional(),
  updateTwin: z.record(z.string(), z.unknown()).optional(),
  cloudToDeviceMethod: z.record(z.string(), z.unknown()).optional(),
  deviceJobStatistics: DeviceJobStatisticsSchema,
});
export type JobDto = z.infer<typeof JobDtoSchema>;

/** The outcome of a job on one device (Verge's `GET /jobs/v2/{id}/devices`; IoT Hub shows it as `devices.jobs`). */
export const DeviceJobDtoSchema = z.object({
  jobId: z.string(),
  deviceId: z.string(),
  status: z.enum(['pending', 'completed', 'failed']),
  lastUpdatedDateTime: z.string(),
  outcome: z.object({ deviceMethodResponse: MethodResultSchema.optional() }).optional(),
  error: z.object({ code: z.string(), description: z.string() }).optional(),
});
export type DeviceJobDto = z.infer<typeof DeviceJobDtoSchema>;

/** `importMode` of a bulk registry entry (IoT Hub `ExportImportDevice`; azure-iothub sends them capitalised). */
export const BULK_IMPORT_MODES = ['create', 'update', 'updateIfMatchETag', 'delete', 'deleteIfMatchETag'] as const;
export type BulkImportMode = (typeof BULK_IMPORT_MODES)[number];

/** Most entries of one `POST /devices` (IoT Hub's limit). */
export const MAX_BULK_DEVICES = 100;

/** One entry of `POST /devices`: a device as `PUT /devices/{id}` takes it, with `id` and `importMode`. */
export const BulkDeviceEntrySchema = z.looseObject({
  id: z.string(),
  importMode: z.string(),
  eTag: z.string().nullish(),
  etag: z.string().nullish(),
});
export type BulkDeviceEntry = z.infer<typeof BulkDeviceEntrySchema>;

/** Answer of `POST /devices` (IoT Hub `BulkRegistryOperationResult`). */
export const BulkRegistryResultSchema = z.object({
  isSuccessful: z.boolean(),
  errors: z.array(z.object({ deviceId: z.string(), errorCode: z.string(), errorStatus: z.string() })),
  warnings: z.array(z.object({ deviceId: z.string(), warningCode: z.string(), warningStatus: z.string() })),
});
export type BulkRegistryResult = z.infer<typeof BulkRegistryResultSchema>;
