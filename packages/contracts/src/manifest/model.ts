import { z } from 'zod';
import { IMAGE_PULL_POLICIES, MODULE_STATUSES, RESTART_POLICIES, UINT32_MAX } from './constants.js';

// The normalised deployment model: what `parseDeploymentManifest` (in @verge/core) returns and what the agent,
// the hub and the cloud work with. Every default is applied, createOptions is joined and parsed, images carry a
// tag. These schemas also validate a model read back from storage (the agent's last good deployment).

const Uint32 = z.int().min(0).max(UINT32_MAX);
const JsonObjectSchema = z.record(z.string(), z.unknown());

const moduleSpecBase = {
  /** `modules.{id}` key, or `edgeAgent` / `edgeHub` for the system modules. */
  id: z.string(),
  /** Free string from the manifest; changing it forces a recreate (reference §1.3). */
  version: z.string().optional(),
  status: z.enum(MODULE_STATUSES),
  restartPolicy: z.enum(RESTART_POLICIES),
  startupOrder: Uint32,
  /** Ignored for `process` modules. */
  imagePullPolicy: z.enum(IMAGE_PULL_POLICIES),
  /** Environment variables from the manifest (`env.{NAME}.value`), before runtime-injected ones (reference §6.1). */
  env: z.record(z.string(), z.string()),
  /** `configuration.id`: the automatic deployment that produced the module, set by IoT Hub. */
  configurationId: z.string().optional(),
};

/** Settings of a docker module. */
export const DockerSettingsSchema = z.object({
  /** Image reference with `:latest` added when it had neither tag nor digest (reference §1.3). */
  image: z.string(),
  /** Docker Engine `ContainerCreate` options, parsed (`""`, whitespace and `"null"` give `{}`). */
  createOptions: JsonObjectSchema,
  /** Canonical JSON of `createOptions` (`JSON.stringify`), the string the twin and reported properties carry. */
  createOptionsJson: z.string(),
});

/** Settings of a Verge process module: a program started directly, for devices without a container engine. */
export const ProcessSettingsSchema = z.object({
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string().optional(),
});

export const DockerModuleSpecSchema = z.object({ ...moduleSpecBase, type: z.literal('docker'), settings: DockerSettingsSchema });
export const ProcessModuleSpecSchema = z.object({ ...moduleSpecBase, type: z.literal('process'), settings: ProcessSettingsSchema });
/** One module as the agent runs it, discriminated by `type`. */
export const ModuleSpecSchema = z.discriminatedUnion('type', [DockerModuleSpecSchema, ProcessModuleSpecSchema]);

/** `runtime.settings.registryCredentials.{name}`: the credential whose `address` matches an image's registry is used to pull it. */
export const RegistryCredentialSchema = z.object({ username: z.string(), password: z.string(), address: z.string() });

/** Manifest signing block (EA schema 1.1, EH schema 1.3); verified against the workload manifest trust bundle. */
export const ManifestIntegritySchema = z.object({
  header: z.object({ signercert: z.array(z.string()), intermediatecacert: z.array(z.string()).optional() }),
  signature: z.object({ bytes: z.string(), algorithm: z.string() }),
});

/** The `$edgeAgent` desired properties, normalised (reference §1.2). */
export const EdgeAgentConfigSchema = z.object({
  schemaVersion: z.string(),
  /** `$version` of the desired properties when read from a twin; EA echoes it as `lastDesiredVersion`. */
  desiredVersion: z.number().optional(),
  runtime: z.object({
    type: z.literal('docker'),
    settings: z.object({
      minDockerVersion: z.string().optional(),
      /** Stringified Docker `LogConfig` JSON, checked to be a JSON object when not blank. */
      loggingOptions: z.string().optional(),
      registryCredentials: z.record(z.string(), RegistryCredentialSchema),
    }),
  }),
  systemModules: z.object({ edgeAgent: ModuleSpecSchema, edgeHub: ModuleSpecSchema }),
  modules: z.record(z.string(), ModuleSpecSchema),
  integrity: ManifestIntegritySchema.optional(),
});

/** One route of the `$edgeHub` desired properties, not compiled (the route language lives in core/route). */
export const RouteSpecSchema = z.object({
  /** Key under `routes`. */
  name: z.string(),
  /** Route text, `FROM … [WHERE …] INTO …`. */
  route: z.string(),
  /** 0 (most urgent) to 9, or DEFAULT_ROUTE_PRIORITY for the string form / no `priority`. */
  priority: z.int().min(0),
  /** Message TTL in seconds for this route; 0 means the global store-and-forward TTL. */
  timeToLiveSecs: Uint32,
});

/** The `$edgeHub` desired properties, normalised (reference §1.4). */
export const EdgeHubConfigSchema = z.object({
  schemaVersion: z.string(),
  desiredVersion: z.number().optional(),
  /** Routes in document order. */
  routes: z.array(RouteSpecSchema),
  /**
   * Absent only for schema 1.0 manifests without `storeAndForwardConfiguration` (the hub then keeps its configured
   * TTL). `timeToLiveSecs < 0` means messages never expire.
   */
  storeAndForward: z.object({ timeToLiveSecs: z.int(), maxSizeBytes: z.int().min(0).optional() }).optional(),
  integrity: ManifestIntegritySchema.optional(),
});

/** A whole deployment manifest, validated and normalised. */
export const DeploymentManifestSchema = z.object({
  edgeAgent: EdgeAgentConfigSchema,
  edgeHub: EdgeHubConfigSchema,
  /**
   * The desired section to write into each module twin, keyed by twin id (`$edgeAgent`, `$edgeHub`, then the
   * module ids of the module twin blocks), as IoT Hub stores it: `$version`/`$metadata` dropped, `null`
   * members dropped, and a `createOptions` given as an object rendered as a JSON string cut into
   * `createOptions`/`createOptionsNN` pieces.
   */
  twins: z.record(z.string(), JsonObjectSchema),
});

export type DockerSettings = z.infer<typeof DockerSettingsSchema>;
export type ProcessSettings = z.infer<typeof ProcessSettingsSchema>;
export type DockerModuleSpec = z.infer<typeof DockerModuleSpecSchema>;
export type ProcessModuleSpec = z.infer<typeof ProcessModuleSpecSchema>;
export type ModuleSpec = z.infer<typeof ModuleSpecSchema>;
export type ModuleStatus = ModuleSpec['status'];
export type RestartPolicy = ModuleSpec['restartPolicy'];
export type ImagePullPolicy = ModuleSpec['imagePullPolicy'];
export type RegistryCredential = z.infer<typeof RegistryCredentialSchema>;
export type ManifestIntegrity = z.infer<typeof ManifestIntegritySchema>;
export type EdgeAgentConfig = z.infer<typeof EdgeAgentConfigSchema>;
export type RouteSpec = z.infer<typeof RouteSpecSchema>;
export type EdgeHubConfig = z.infer<typeof EdgeHubConfigSchema>;
export type DeploymentManifest = z.infer<typeof DeploymentManifestSchema>;
