/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** The three documents of a twin that carry user data and have IoT Hub size limits. */
export type TwinSectionKind = 'desired' | 'reported' | 'tags';

/**
 * Desired or reported properties: user keys plus `$version`, which IoT Hub increments on every update
 * (`$metadata` is not maintained by Verge; see updateDesired).
 */
export interface TwinCollection extends JsonObject {
  $version: number;
}

/** `properties` of a twin. */
export interface TwinProperties {
  readonly desired: TwinCollection;
  readonly reported: TwinCollection;
}

/**
 * A device or module twin as IoT Hub shows it (learn.microsoft.com "Understand and use device twins"): `version`
 * counts every change of the twin, `etag` is derived from it (see twinEtag), `tags` are service-only.
 */
export interface Twin {
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly etag?: string;
  readonly version: number;
  readonly tags: JsonObject;
  readonly properties: TwinProperties;
}
