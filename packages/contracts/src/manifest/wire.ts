import { z } from 'zod';
import {
  DEFAULT_IMAGE_PULL_POLICY,
  DEFAULT_RESTART_POLICY,
  DEFAULT_STARTUP_ORDER,
  DEFAULT_SYSTEM_MODULE_STATUS,
  IMAGE_PULL_POLICIES,
  MAX_ROUTE_PRIORITY,
  MODULE_STATUSES,
  MODULE_TYPES,
  RESTART_POLICIES,
  UINT32_MAX,
} from './constants.js';

// Zod schemas of the fixed-shape parts of a deployment manifest as it arrives (reference azure-iot-edge.md §1).
// Maps keyed by user-chosen names (`modules`, `env`, `registryCredentials`, `routes`, `modulesContent`) are read
// key by key in @verge/core so that every key is validated (module ids, route names) and no key is lost
// (a zod record drops `__proto__`). Messages are the text after `<path>: ` in a ManifestFault; a custom issue
// carries its rule in `params.rule`.

/** Error function for a schema: `required` when the value is absent, otherwise `text`. */
function describeAs(text: string): (issue: { readonly input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : text);
}

/** A string field. */
function stringWire(): z.ZodString {
  return z.string({ error: describeAs('must be a string') });
}

/** A string field that must hold something other than whitespace. */
function nonBlankStringWire(): z.ZodString {
  return z
    .string({ error: describeAs('must be a non-empty string') })
    .refine((s) => s.trim() !== '', { error: 'must not be empty', params: { rule: 'non-empty' } });
}

/** No process can be given a string holding NUL (arguments, environment and paths are C strings). */
function hasNoNul(s: string): boolean {
  return !s.includes('\0');
}
const NO_NUL = { error: 'must not contain NUL (no process can be given one)', params: { rule: 'pattern' } } as const;

/** A string handed to a process (argument, environment value, path): anything but NUL. */
function processStringWire(): z.ZodString {
  return stringWire().refine(hasNoNul, NO_NUL);
}

/** An integer in `[min, max]`; any other value (a string, 1.5, a number out of range) gets the same message. */
function intInRangeWire(min: number, max: number): z.ZodCustom<number, number> {
  return z.custom<number>((v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max, {
    error: describeAs(`must be an integer from ${min} to ${max}`),
    params: { rule: 'range' },
  });
}

/** One of a fixed list of strings; the message lists them. */
function enumWire<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: describeAs(`must be one of ${values.map((v) => `"${v}"`).join(', ')}`) });
}

/** An object with a fixed shape; unknown keys are ignored, as EA and EH ignore them. */
function objectWire<S extends z.ZodRawShape>(shape: S): z.ZodObject<S> {
  return z.object(shape, { error: describeAs('must be an object') });
}

/** An array of strings. */
function stringArrayWire(): z.ZodArray<z.ZodString> {
  return z.array(stringWire(), { error: describeAs('must be an array of strings') });
}

/** `status`: running | stopped. */
export const ModuleStatusWire = enumWire(MODULE_STATUSES);
/** `restartPolicy`: never | on-failure | on-unhealthy | always. */
export const RestartPolicyWire = enumWire(RESTART_POLICIES);
/** `imagePullPolicy`: on-create | never. */
export const ImagePullPolicyWire = enumWire(IMAGE_PULL_POLICIES);
/** `type`: docker | process. */
export const ModuleTypeWire = enumWire(MODULE_TYPES);
/** `startupOrder`: uint32 (reference §1.3). */
export const StartupOrderWire = intInRangeWire(0, UINT32_MAX);

/** `configuration: { id }`, written by IoT Hub for automatic deployments (reference §1.3). */
export const ConfigurationRefWire = objectWire({ id: stringWire().optional() });

const moduleShape = {
  version: stringWire().optional(),
  type: ModuleTypeWire,
  restartPolicy: RestartPolicyWire.default(DEFAULT_RESTART_POLICY),
  startupOrder: StartupOrderWire.default(DEFAULT_STARTUP_ORDER),
  imagePullPolicy: ImagePullPolicyWire.default(DEFAULT_IMAGE_PULL_POLICY),
  configuration: ConfigurationRefWire.optional(),
};

/** `modules.{id}` apart from `env` and `settings`: `status` is required (`Required.Always`, reference §1.3). */
export const ModuleWire = objectWire({ ...moduleShape, status: ModuleStatusWire });
/** `systemModules.edgeHub` apart from `env` and `settings`: `status` defaults to running. */
export const EdgeHubModuleWire = objectWire({ ...moduleShape, status: ModuleStatusWire.default(DEFAULT_SYSTEM_MODULE_STATUS) });
/**
 * `systemModules.edgeAgent` apart from `env` and `settings`. EA always runs, restarts always and starts first, so
 * `status`, `restartPolicy` and `startupOrder` are not read (reference §1.2).
 */
export const EdgeAgentModuleWire = objectWire({
  version: stringWire().optional(),
  type: ModuleTypeWire,
  imagePullPolicy: ImagePullPolicyWire.default(DEFAULT_IMAGE_PULL_POLICY),
  configuration: ConfigurationRefWire.optional(),
});

/**
 * One `env` entry: `{ "value": "<string>" }`. Numbers and booleans are accepted and turned into strings, as the
 * Azure CLI's manifest schema allows them and EA's deserializer converts them.
 */
export const EnvEntryWire = objectWire({
  value: z
    .union([z.string(), z.number(), z.boolean()], { error: describeAs('must be a string, number or boolean') })
    .transform((v) => String(v))
    .refine(hasNoNul, NO_NUL),
});

/** `settings` of a docker module apart from `createOptions*`, which the core reads (chunking, JSON). */
export const DockerSettingsWire = objectWire({ image: nonBlankStringWire() });

/** `settings` of a Verge `process` module. */
export const ProcessSettingsWire = objectWire({
  command: nonBlankStringWire().refine(hasNoNul, NO_NUL),
  args: z.array(processStringWire(), { error: describeAs('must be an array of strings') }).default([]),
  cwd: nonBlankStringWire().refine(hasNoNul, NO_NUL).optional(),
});

/** `runtime.settings.registryCredentials.{name}` (reference §1.2). */
export const RegistryCredentialWire = objectWire({
  username: stringWire(),
  password: stringWire(),
  address: stringWire().regex(/^\S+$/, { error: 'must be a registry host without whitespace' }),
});

/** `runtime` apart from `settings.registryCredentials` (reference §1.2). */
export const RuntimeWire = objectWire({
  type: z.literal('docker', { error: describeAs('must be "docker"') }),
  settings: objectWire({
    minDockerVersion: stringWire().optional(),
    loggingOptions: stringWire().optional(),
  }).optional(),
});

/** `integrity` (manifest signing): `{ header: { signercert, intermediatecacert? }, signature: { bytes, algorithm } }`. */
export const IntegrityWire = objectWire({
  header: objectWire({ signercert: stringArrayWire(), intermediatecacert: stringArrayWire().optional() }),
  signature: objectWire({ bytes: nonBlankStringWire(), algorithm: nonBlankStringWire() }),
});

/** A route in object form (`$edgeHub` schema 1.1+, reference §1.4). */
export const RouteObjectWire = objectWire({
  route: nonBlankStringWire(),
  priority: intInRangeWire(0, MAX_ROUTE_PRIORITY).optional(),
  timeToLiveSecs: intInRangeWire(0, UINT32_MAX).optional(),
});

/**
 * `storeAndForwardConfiguration` (reference §1.4): `timeToLiveSecs` is an int32, negative meaning "never expire";
 * `storeLimits.maxSizeBytes` is a long.
 */
export const StoreAndForwardWire = objectWire({
  timeToLiveSecs: intInRangeWire(-2_147_483_648, 2_147_483_647),
  storeLimits: objectWire({ maxSizeBytes: intInRangeWire(0, Number.MAX_SAFE_INTEGER).optional() }).optional(),
});
