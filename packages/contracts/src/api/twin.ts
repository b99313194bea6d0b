import { z } from 'zod';
import { AuthenticationTypeSchema, CapabilitiesSchema, ConnectionStateSchema, IdentityStatusSchema } from './identity.js';

/** A twin section (`tags`, `properties.desired`, `properties.reported`): free JSON. */
export const TwinCollectionSchema = z.record(z.string(), z.unknown());

/** A device or module twin as the server returns it (IoT Hub `Twin`). */
export const TwinDtoSchema = z.object({
  deviceId: z.string(),
  moduleId: z.string().optional(),
  etag: z.string(),
  deviceEtag: z.string().optional(),
  status: IdentityStatusSchema,
  statusReason: z.string().nullable().optional(),
  statusUpdateTime: z.string(),
  connectionState: ConnectionStateSchema,
  lastActivityTime: z.string(),
  cloudToDeviceMessageCount: z.number().int(),
  authenticationType: AuthenticationTypeSchema,
  x509Thumbprint: z.object({ primaryThumbprint: z.string().nullable(), secondaryThumbprint: z.string().nullable() }),
  modelId: z.string(),
  version: z.number().int(),
  tags: TwinCollectionSchema,
  properties: z.object({
    desired: TwinCollectionSchema.meta({ description: 'Desired properties with `$version` and `$metadata`.' }),
    reported: TwinCollectionSchema.meta({ description: 'Reported properties with `$version` and `$metadata`.' }),
  }),
  capabilities: CapabilitiesSchema.optional(),
  deviceScope: z.string().optional(),
  parentScopes: z.array(z.string()).optional(),
  /**
   * `$edgeAgent` module twins only: `{ [deploymentId]: { status: 'Applied' | 'Targeted' } }` for every automatic
   * deployment targeting the device (reference §10.2); queries address it as `configurations.[[id]].status`.
   */
  configurations: z.record(z.string(), z.object({ status: z.string() })).optional(),
});
export type TwinDto = z.infer<typeof TwinDtoSchema>;

/**
 * Body of `PATCH /twins/{id}` (merge-patch of `tags` and `properties.desired`; `null` deletes) and of `PUT`
 * (replaces both). Other twin fields may be present (a twin read back) and are ignored; `properties.reported`
 * is the device's and is refused.
 */
export const TwinUpdateDtoSchema = z.looseObject({
  tags: TwinCollectionSchema.nullish(),
  properties: z
    .looseObject({
      desired: TwinCollectionSchema.nullish(),
      reported: z.unknown().optional(),
    })
    .nullish(),
  etag: z.string().nullish(),
});
export type TwinUpdateDto = z.infer<typeof TwinUpdateDtoSchema>;
