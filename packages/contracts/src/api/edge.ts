import { z } from 'zod';
import { AuthenticationDtoSchema, CapabilitiesSchema, DeviceDtoSchema, IdentityStatusSchema, ModuleDtoSchema } from './identity.js';

// Wire shapes of the edge-facing part of the service API (docs/edge-cloud.md): the device scope an edge hub caches
// to authenticate its leaf devices and modules offline, and the body of `applyConfigurationContent`.

/** `managedBy` of the identities the cloud creates for an IoT Edge device (system modules, deployed modules). */
export const IOT_EDGE_MANAGED_BY = 'iotEdge';

/** The module identities every IoT Edge device has (IoT Hub creates them with the device). */
export const EDGE_SYSTEM_MODULE_IDS = ['$edgeAgent', '$edgeHub'] as const;

/** A device in an edge device's scope: one of its children (leaf or nested edge device). */
export const ScopeDeviceDtoSchema = z.object({
  deviceId: z.string(),
  generationId: z.string(),
  status: IdentityStatusSchema,
  /** Symmetric keys (`sas`), thumbprints (`selfSigned`) or neither (`certificateAuthority`). */
  authentication: AuthenticationDtoSchema,
  capabilities: CapabilitiesSchema,
});
export type ScopeDeviceDto = z.infer<typeof ScopeDeviceDtoSchema>;

/** A module identity of the edge device itself. */
export const ScopeModuleDtoSchema = z.object({
  moduleId: z.string(),
  generationId: z.string(),
  managedBy: z.string().nullable(),
  authentication: AuthenticationDtoSchema,
});
export type ScopeModuleDto = z.infer<typeof ScopeModuleDtoSchema>;

/** `GET /devices/{edgeId}/scope`: the children of the edge device and its own modules, ordered by id. */
export const DeviceScopeDtoSchema = z.object({
  /** The edge device the scope belongs to. */
  deviceId: z.string(),
  /** Its scope, `ms-azure-iot-edge://{deviceId}-{generationId}` (the children's `deviceScope`). */
  deviceScope: z.string(),
  devices: z.array(ScopeDeviceDtoSchema),
  modules: z.array(ScopeModuleDtoSchema),
});
export type DeviceScopeDto = z.infer<typeof DeviceScopeDtoSchema>;

/**
 * Body of `POST /devices/{edgeId}/modules/{mid}/devicesAndModulesInDeviceScope`, IoT Hub's device-scope call as
 * edgeHub makes it (iotedge `DeviceScopeApiClient`, api-version 2020-05-31-preview).
 */
export const ScopeRequestDtoSchema = z.looseObject({
  /** The edge device (its whole scope), or one device in its scope (that device only). Default: the edge device. */
  targetDeviceId: z.string().nullish(),
  targetModuleId: z.string().nullish(),
  /** Devices per page, 1 to 1000 (default 100). */
  pageSize: z.number().int().min(1).max(1000).nullish(),
  /** `continuationLink` of the previous page. */
  continuationToken: z.string().nullish(),
});
export type ScopeRequestDto = z.infer<typeof ScopeRequestDtoSchema>;

/** One page of the device scope in IoT Hub's shape: `Device`s (keys included) and `Module`s, then a continuation. */
export const ScopeResultDtoSchema = z.object({
  devices: z.array(DeviceDtoSchema),
  modules: z.array(ModuleDtoSchema),
  /** Send it back as `continuationToken` for the next page; null on the last page. */
  continuationLink: z.string().nullable(),
});
export type ScopeResultDto = z.infer<typeof ScopeResultDtoSchema>;

/**
 * Body of `POST /devices/{id}/applyConfigurationContent` (IoT Hub `ConfigurationContent`): a deployment manifest.
 * Only documentation: the server validates the raw body with `checkDeploymentManifest`, which reports every fault.
 */
export const ConfigurationContentDtoSchema = z.looseObject({
  modulesContent: z
    .record(z.string(), z.unknown())
    .meta({ description: '`$edgeAgent`, `$edgeHub` and module blocks, each `{ "properties.desired": { … } }` (reference azure-iot-edge.md §1).' }),
});
export type ConfigurationContentDto = z.infer<typeof ConfigurationContentDtoSchema>;
