/**
 * Fixed values of the Azure IoT Edge deployment manifest (reference azure-iot-edge.md §1.2–§1.4). These are API:
 * the agent, the hub, the cloud and the CLI all read them from here.
 */

/** `modules.{id}.status` values (reference §1.3). */
export const MODULE_STATUSES = ['running', 'stopped'] as const;
/** `restartPolicy` values in the order EA ranks them: never < on-failure < on-unhealthy < always (reference §1.3). */
export const RESTART_POLICIES = ['never', 'on-failure', 'on-unhealthy', 'always'] as const;
/** `imagePullPolicy` values (reference §1.3). */
export const IMAGE_PULL_POLICIES = ['on-create', 'never'] as const;
/**
 * Module `type` values: `docker` as in Azure IoT Edge, plus Verge's `process` for devices without a container
 * engine (settings `{ command, args?, cwd? }`).
 */
export const MODULE_TYPES = ['docker', 'process'] as const;

/** `restartPolicy` when absent (`Constants.DefaultRestartPolicy`, reference §1.3). */
export const DEFAULT_RESTART_POLICY = 'on-unhealthy';
/** `startupOrder` when absent: the uint32 maximum, i.e. last (reference §1.3). */
export const DEFAULT_STARTUP_ORDER = 4_294_967_295;
/** `imagePullPolicy` when absent (reference §1.3). */
export const DEFAULT_IMAGE_PULL_POLICY = 'on-create';
/** Status of a system module when absent: EA runs edgeAgent and edgeHub unless told otherwise (reference §1.3). */
export const DEFAULT_SYSTEM_MODULE_STATUS = 'running';
/** Largest uint32, the upper bound of `startupOrder` and route `timeToLiveSecs`. */
export const UINT32_MAX = 4_294_967_295;

/** Priority of a route given as a plain string or without `priority`: `RouteFactory.DefaultPriority` (reference §1.4). */
export const DEFAULT_ROUTE_PRIORITY = 2_000_000_000;
/** Highest (numerically largest) priority a route object may set; 0 is the most urgent (reference §1.4). */
export const MAX_ROUTE_PRIORITY = 9;
/** Route names: non-empty, no `.`, `$`, `#` or space (`doc/Route_priority_and_TTL.md`, reference §1.4). */
export const ROUTE_NAME_PATTERN = /^[^.$# ]+$/;

/** Size of one `createOptions` piece in a twin (`TwinValueMaxSize`, reference §1.3 chunking rule). */
export const CREATE_OPTIONS_CHUNK_SIZE = 512;
/** Most `createOptions` pieces: `createOptions` plus `createOptions01`..`createOptions99` (`TwinValueMaxChunks`). */
export const CREATE_OPTIONS_MAX_CHUNKS = 100;

/** Longest module id IoT Hub accepts. */
export const MODULE_ID_MAX_LENGTH = 128;
/**
 * Module ids in a manifest. IoT Hub's module identity rule is "up to 128 case-sensitive ASCII 7-bit alphanumeric
 * characters plus `- : . + % _ # * ? ! ( ) , = @ ; $ '`" (learn.microsoft.com, IoT Hub identity registry and
 * the Event Grid device schema). In a manifest the id is also a key of the `$edgeAgent` twin
 * (`modules.{id}`) and of `modulesContent`, and twin keys may not contain `.`, `$` or spaces (IoT Hub device twin
 * rules), so `.` and `$` are excluded here: IoT Hub would reject such a manifest. Note that `+`, `#`, `*` and `?`
 * are accepted as IoT Hub accepts them, although MQTT topics and route sources cannot name such a module.
 */
export const MODULE_ID_PATTERN = /^[A-Za-z0-9\-:+%_#*?!(),=@;']{1,128}$/;

/** Twin ids of the two system modules, the required keys of `modulesContent` (reference §1.1). */
export const EDGE_AGENT_TWIN = '$edgeAgent';
export const EDGE_HUB_TWIN = '$edgeHub';
/** Names of the system modules under `systemModules`; also their `ModuleSpec.id` (container names in Azure IoT Edge). */
export const SYSTEM_MODULE_NAMES = ['edgeAgent', 'edgeHub'] as const;

/** Key of a module twin block that holds the whole desired section (reference §1.1). */
export const DESIRED_KEY = 'properties.desired';

/** HTTP-like codes of `lastDesiredStatus.code` that a manifest fault can map to (reference §2.2). */
export const DESIRED_STATUS_CODES = {
  /** ConfigFormatError: desired properties unparsable or invalid. */
  configFormatError: 400,
  /** InvalidSchemaVersion: schemaVersion incompatible. */
  invalidSchemaVersion: 412,
  /** ConfigEmptyError: no deployment yet (empty desired properties). */
  configEmpty: 417,
} as const;
