import { z } from 'zod';

// Wire shapes of deployment explain and dry-run (Verge, not IoT Hub): `GET /devices/{id}/effective`,
// `POST /configurations/{id}/plan` and `POST /configurations/plan`.

/** A deployment named with the priority it won or lost with. */
export const DeploymentRefDtoSchema = z.object({ deploymentId: z.string(), priority: z.number().int() });

/** Who set one unit of a module twin's desired properties, and whom it overrode (core `ProvenanceEntry`). */
export const ProvenanceDtoSchema = z.object({
  moduleId: z.string(),
  /** Dotted path inside `properties.desired` (`modules.sim`, `routes.r1`); `''` for the whole section. */
  path: z.string(),
  /** `module`: `$edgeAgent` `modules.*`/`systemModules.*`; `route`: `$edgeHub` `routes.*`; `path`: anything else. */
  kind: z.enum(['module', 'route', 'path']),
  deploymentId: z.string(),
  priority: z.number().int(),
  /** Lower applied deployments that also set it, most recently applied first. */
  overridden: z.array(DeploymentRefDtoSchema),
  /** The unit is absent from the result: `deploymentId` removed it. */
  removed: z.boolean().optional(),
});
export type ProvenanceDto = z.infer<typeof ProvenanceDtoSchema>;

/** What became of one deployment targeting the device, and why. */
export const DeploymentVerdictDtoSchema = z.object({
  deploymentId: z.string(),
  priority: z.number().int(),
  layered: z.boolean(),
  createdTimeUtc: z.string(),
  /** `base`/`layer`: applied; `outranked`: targeted, not applied; `notAdmitted`: its staged rollout has not admitted the device. */
  outcome: z.enum(['base', 'layer', 'outranked', 'notAdmitted']),
  outrankedBy: z.string().optional(),
  reason: z.string(),
});
export type DeploymentVerdictDto = z.infer<typeof DeploymentVerdictDtoSchema>;

/** A deployment ignored because it is invalid, with every reason. */
export const InvalidDeploymentDtoSchema = z.object({
  deploymentId: z.string(),
  errors: z.array(z.object({ code: z.string(), message: z.string() })),
});

const MapChangesDtoSchema = z.object({ added: z.array(z.string()), updated: z.array(z.string()), removed: z.array(z.string()) });
const ConfigurationStatusSchema = z.enum(['Applied', 'Targeted']);

/** What one device's write plan changes (core `DevicePlanSummary`). */
export const PlanSummaryDtoSchema = z.object({
  /** `$edgeAgent` `properties.desired.modules`. */
  modules: MapChangesDtoSchema,
  /** `$edgeHub` `properties.desired.routes`. */
  routes: MapChangesDtoSchema,
  /** Every other changed path (module twin id and dotted path, at most two levels deep). */
  paths: z.array(z.object({ moduleId: z.string(), path: z.string() })),
  /** Module identities the plan creates. */
  createdModules: z.array(z.string()),
  /** `configurations` statuses of the `$edgeAgent` twin before and after, when they change. */
  statuses: z.object({ before: z.record(z.string(), ConfigurationStatusSchema), after: z.record(z.string(), ConfigurationStatusSchema) }).optional(),
});
export type PlanSummaryDto = z.infer<typeof PlanSummaryDtoSchema>;

/** Counts of a plan summary; `total` counts changed modules, routes and paths. */
export const PlanCountsDtoSchema = z.object({
  modulesAdded: z.number().int(),
  modulesUpdated: z.number().int(),
  modulesRemoved: z.number().int(),
  routesAdded: z.number().int(),
  routesUpdated: z.number().int(),
  routesRemoved: z.number().int(),
  pathsChanged: z.number().int(),
  modulesCreated: z.number().int(),
  total: z.number().int(),
});
export type PlanCountsDto = z.infer<typeof PlanCountsDtoSchema>;

/** `GET /devices/{id}/effective`: what the device's deployments give it, where every part comes from, and why. */
export const EffectiveDeploymentDtoSchema = z.object({
  deviceId: z.string(),
  /** False for a device that is not an IoT Edge device: deployments never apply to it (everything else is empty). */
  edge: z.boolean(),
  /** Why the result is empty (not an IoT Edge device, no deployment targets it), when it is. */
  reason: z.string().optional(),
  /** Module twin id → `{ "properties.desired": … }`, as the applied deployments make it. */
  modulesContent: z.record(z.string(), z.record(z.string(), z.unknown())),
  provenance: z.array(ProvenanceDtoSchema),
  /** Every deployment targeting the device, highest rank first, then those a rollout has not admitted it to. */
  deployments: z.array(DeploymentVerdictDtoSchema),
  invalid: z.array(InvalidDeploymentDtoSchema),
  /** `configurations.{id}.status` the `$edgeAgent` twin should hold. */
  statuses: z.record(z.string(), ConfigurationStatusSchema),
  /** Whether the stored module twins already hold all of this. */
  inSync: z.boolean(),
  /** What evaluation still has to write (absent when in sync). */
  pending: PlanSummaryDtoSchema.optional(),
});
export type EffectiveDeploymentDto = z.infer<typeof EffectiveDeploymentDtoSchema>;

/** One device of a dry-run. */
export const DevicePlanDtoSchema = z.object({
  deviceId: z.string(),
  /** What the planned deployment is for this device; `notTargeted`: its target condition does not match (any more). */
  outcome: z.enum(['base', 'layer', 'outranked', 'notAdmitted', 'notTargeted']),
  summary: PlanSummaryDtoSchema,
  counts: PlanCountsDtoSchema,
  /** The writes in order: `createModule`, `replaceDesired` (module twin id), `setStatuses`. */
  steps: z.array(z.object({ action: z.enum(['createModule', 'replaceDesired', 'setStatuses']), moduleId: z.string().optional() })),
});
export type DevicePlanDto = z.infer<typeof DevicePlanDtoSchema>;

/** Fleet totals of a dry-run, over every device evaluated (not only the page listed). */
export const PlanTotalsDtoSchema = PlanCountsDtoSchema.extend({
  /** IoT Edge devices evaluated. */
  devices: z.number().int(),
  /** Devices the deployment targets (its target condition matches), admitted or not. */
  targeted: z.number().int(),
  /** Devices whose module twins' desired properties would change. */
  devicesChanging: z.number().int(),
  /** Devices that would only get new `configurations` statuses. */
  devicesStatusOnly: z.number().int(),
});
export type PlanTotalsDto = z.infer<typeof PlanTotalsDtoSchema>;

/**
 * `POST /configurations/{id}/plan` and `POST /configurations/plan`: what applying the deployment would write,
 * changing nothing. `devices` lists, by device id, the devices it targets and every device whose plan writes
 * anything, `top` per page; `continuationToken` asks for the next page.
 */
export const ConfigurationPlanDtoSchema = z.object({
  configurationId: z.string(),
  /** True for `POST /configurations/plan` (the body, as if stored). */
  draft: z.boolean(),
  totals: PlanTotalsDtoSchema,
  devices: z.array(DevicePlanDtoSchema),
  continuationToken: z.string().optional(),
});
export type ConfigurationPlanDto = z.infer<typeof ConfigurationPlanDtoSchema>;

/** Query of the dry-run routes: a page of `top` devices (1–1000, default 100) after `continuationToken`. */
export const ConfigurationPlanQuerySchema = z.looseObject({
  top: z.coerce.number().int().min(1).max(1000).optional(),
  continuationToken: z.string().min(1).optional(),
});
export type ConfigurationPlanQuery = z.infer<typeof ConfigurationPlanQuerySchema>;
