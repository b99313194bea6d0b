import { z } from 'zod';

/**
 * Rules a manifest fault can name. Stable API (the CLI and the dashboard may key on them):
 * - `required`, `type`, `enum`, `range`, `pattern`, `non-empty`: a field is missing or has the wrong type, value,
 *   range or format;
 * - `schema-version`: `schemaVersion` is unparsable or unsupported (EA reports 412 for it, reference §2.2);
 * - `module-id`, `reserved-id`: a module id breaks the IoT Hub id rule or collides with a system module;
 * - `unknown-key`: a key that the block may not hold (a module block holds only `properties.desired`);
 * - `not-allowed`: a field that the module type forbids (image or createOptions on a process module);
 * - `json`: `createOptions` or `loggingOptions` is not a JSON object;
 * - `chunking`: the `createOptions01..99` pieces break the chunking rule (reference §1.3);
 * - `image-reference`: `settings.image` is not a Docker image reference;
 * - `empty`: the desired properties are empty (EA reports 417, reference §2.2);
 * - `twin-size`, `twin-depth`, `twin-key`, `twin-value`: the desired section breaks an IoT Hub twin limit;
 * - `route`: a route string does not compile (syntax, type or sink error of the route language, reference §3).
 */
export const MANIFEST_FAULT_RULES = [
  'required',
  'type',
  'enum',
  'range',
  'pattern',
  'non-empty',
  'schema-version',
  'module-id',
  'reserved-id',
  'unknown-key',
  'not-allowed',
  'json',
  'chunking',
  'image-reference',
  'empty',
  'twin-size',
  'twin-depth',
  'twin-key',
  'twin-value',
  'route',
] as const;

/** One problem found in a manifest or in `$edgeAgent` / `$edgeHub` desired properties. */
export const ManifestFaultSchema = z.object({
  /** JSON path inside `modulesContent` (or inside the desired properties given), keys joined with `.`, indices as `[i]`. */
  path: z.string(),
  rule: z.enum(MANIFEST_FAULT_RULES),
  /** `<path>: <what is wrong>`, e.g. `$edgeAgent.properties.desired.modules.sensor.status: required`. */
  message: z.string(),
  /** The `lastDesiredStatus.code` this fault maps to: 400 format error, 412 schema version, 417 empty (reference §2.2). */
  statusCode: z.union([z.literal(400), z.literal(412), z.literal(417)]),
});

export type ManifestFaultRule = (typeof MANIFEST_FAULT_RULES)[number];
export type ManifestFault = z.infer<typeof ManifestFaultSchema>;
