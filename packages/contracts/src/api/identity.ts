import { z } from 'zod';

// Wire shapes of the service API, as IoT Hub's REST API (api-version 2021-04-12) defines them and as the
// azure-iothub SDK sends them. Input schemas are lenient where the SDK is: it sends back whole objects it
// read (read-only fields, nulls, `cloudToDeviceMessageCount: "0"`), which the server ignores.

/**
 * Characters IoT Hub allows in device and module ids: ASCII letters and digits plus
 * `- : . + % _ # * ? ! ( ) , = @ ; $ '`, 1 to 128 of them (IoT Hub identity registry docs); but not `.` or `..`
 * alone, which a URL path resolves away (`/devices/..` is `/`): such an identity could never be read or deleted.
 */
export const IDENTITY_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$/;

/** A device or module id (see `IDENTITY_ID_PATTERN`). */
export const IdentityIdSchema = z.string().regex(IDENTITY_ID_PATTERN, {
  message: "must be 1 to 128 characters of A-Z a-z 0-9 - : . + % _ # * ? ! ( ) , = @ ; $ ', and not '.' or '..'",
});

export const IdentityStatusSchema = z.enum(['enabled', 'disabled']);
export type IdentityStatus = z.infer<typeof IdentityStatusSchema>;

export const ConnectionStateSchema = z.enum(['Connected', 'Disconnected']);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

export const AuthenticationTypeSchema = z.enum(['sas', 'selfSigned', 'certificateAuthority', 'none']);

/** `authentication` as clients send it. Empty or null keys mean "generate one" (azure-iothub sends `''`). */
export const AuthenticationInputDtoSchema = z.looseObject({
  type: AuthenticationTypeSchema.optional(),
  symmetricKey: z
    .looseObject({ primaryKey: z.string().nullish(), secondaryKey: z.string().nullish() })
    .nullish(),
  x509Thumbprint: z
    .looseObject({ primaryThumbprint: z.string().nullish(), secondaryThumbprint: z.string().nullish() })
    .nullish(),
});
export type AuthenticationInputDto = z.infer<typeof AuthenticationInputDtoSchema>;

/** `authentication` as the server returns it (IoT Hub `AuthenticationMechanism`). */
export const AuthenticationDtoSchema = z.object({
  type: AuthenticationTypeSchema,
  symmetricKey: z.object({ primaryKey: z.string().nullable(), secondaryKey: z.string().nullable() }),
  x509Thumbprint: z.object({ primaryThumbprint: z.string().nullable(), secondaryThumbprint: z.string().nullable() }),
});
export type AuthenticationDto = z.infer<typeof AuthenticationDtoSchema>;

export const CapabilitiesSchema = z.object({ iotEdge: z.boolean() });

const isoTime = z.string().meta({ format: 'date-time' });

/** A device identity as the server returns it (IoT Hub `Device`). */
export const DeviceDtoSchema = z.object({
  deviceId: z.string(),
  generationId: z.string(),
  etag: z.string(),
  connectionState: ConnectionStateSchema,
  status: IdentityStatusSchema,
  statusReason: z.string().nullable(),
  connectionStateUpdatedTime: isoTime,
  statusUpdatedTime: isoTime,
  lastActivityTime: isoTime,
  cloudToDeviceMessageCount: z.number().int(),
  authentication: AuthenticationDtoSchema,
  capabilities: CapabilitiesSchema,
  /** Edge devices: their own scope `ms-azure-iot-edge://{id}-{generationId}`. Leaf devices: the parent's scope. */
  deviceScope: z.string().optional(),
  /** The parent edge device's scope, when there is a parent. */
  parentScopes: z.array(z.string()).optional(),
});
export type DeviceDto = z.infer<typeof DeviceDtoSchema>;

/** Body of `PUT /devices/{id}`. Read-only fields of `Device` may be present and are ignored. */
export const DeviceInputDtoSchema = z.looseObject({
  deviceId: z.string(),
  status: IdentityStatusSchema.nullish(),
  statusReason: z.string().nullish(),
  authentication: AuthenticationInputDtoSchema.nullish(),
  capabilities: z.looseObject({ iotEdge: z.boolean().nullish() }).nullish(),
  /** Leaf devices: the scope of the parent edge device (as IoT Hub). Ignored for edge devices (theirs is generated). */
  deviceScope: z.string().nullish(),
  /** Edge devices: `[parentScope]` makes the device a child of another edge device (nested edge). */
  parentScopes: z.array(z.string().nullable()).nullish(),
  etag: z.string().nullish(),
});
export type DeviceInputDto = z.infer<typeof DeviceInputDtoSchema>;

/** A module identity as the server returns it (IoT Hub `Module`). */
export const ModuleDtoSchema = z.object({
  moduleId: z.string(),
  managedBy: z.string().nullable(),
  deviceId: z.string(),
  generationId: z.string(),
  etag: z.string(),
  connectionState: ConnectionStateSchema,
  connectionStateUpdatedTime: isoTime,
  lastActivityTime: isoTime,
  cloudToDeviceMessageCount: z.number().int(),
  authentication: AuthenticationDtoSchema,
});
export type ModuleDto = z.infer<typeof ModuleDtoSchema>;

/** Body of `PUT /devices/{id}/modules/{mid}`. Read-only fields of `Module` may be present and are ignored. */
export const ModuleInputDtoSchema = z.looseObject({
  moduleId: z.string(),
  deviceId: z.string().nullish(),
  managedBy: z.string().nullish(),
  authentication: AuthenticationInputDtoSchema.nullish(),
  etag: z.string().nullish(),
});
export type ModuleInputDto = z.infer<typeof ModuleInputDtoSchema>;

/** `GET /statistics/devices` (IoT Hub `RegistryStatistics`). */
export const RegistryStatisticsDtoSchema = z.object({
  totalDeviceCount: z.number().int(),
  enabledDeviceCount: z.number().int(),
  disabledDeviceCount: z.number().int(),
});
export type RegistryStatisticsDto = z.infer<typeof RegistryStatisticsDtoSchema>;
