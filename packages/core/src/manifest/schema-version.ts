import { makeFault, type FaultStatus } from './faults.js';
import type { ManifestFault } from '@verge/contracts';

/**
 * A schema version parsed like .NET `System.Version`: 2 to 4 non-negative int32 components; components not
 * given are -1, so `1.1` < `1.1.0` < `1.1.0.0`, as in .NET. Stricter than .NET in one way: no whitespace or signs.
 */
export type SchemaVersion = readonly [major: number, minor: number, build: number, revision: number];

const VERSION_TEXT = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;
const INT32_MAX = 2_147_483_647;

/** Parses `major.minor[.build[.revision]]`, or returns undefined. */
export function parseSchemaVersion(text: string): SchemaVersion | undefined {
  const m = VERSION_TEXT.exec(text);
  if (m === null) return undefined;
  const parts = [m[1], m[2], m[3], m[4]].map((p) => (p === undefined ? -1 : Number(p)));
  if (parts.some((p) => p > INT32_MAX)) return undefined;
  return parts as unknown as SchemaVersion;
}

/** .NET `Version.CompareTo`: component by component, a missing component (-1) sorting first. */
export function compareSchemaVersions(a: SchemaVersion, b: SchemaVersion): number {
  for (let i = 0; i < 4; i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Result of reading a `schemaVersion`: the text and parsed version when usable, the fault otherwise. */
export interface SchemaVersionRead {
  readonly text?: string;
  readonly version?: SchemaVersion;
  /** Set when the version parsed but is not supported: nothing else in the document can be read. */
  readonly unsupported?: boolean;
  readonly fault?: ManifestFault;
}

// EA reads the desired properties as schema 1.1.0 at most (reference §1.2).
const EDGE_AGENT_MAX: SchemaVersion = [1, 1, 0, -1];

/**
 * Reads `$edgeAgent` `schemaVersion`: "1.0", "1.1", "1.1.0" (any major 1 up to 1.1.0). Every schemaVersion fault maps
 * to lastDesiredStatus 412 (EA's InvalidSchemaVersionException). A JSON number is read as its text, as EA's
 * deserializer does (1.1 → "1.1").
 */
export function readEdgeAgentSchemaVersion(value: unknown, path: string): SchemaVersionRead {
  return readSchemaVersion(value, path, 412, (v) => v[0] === 1 && compareSchemaVersions(v, EDGE_AGENT_MAX) <= 0, 'Verge reads $edgeAgent schema 1.0 to 1.1.0');
}

/**
 * Reads `$edgeHub` `schemaVersion`: major 1, minor 0 to 3 (EdgeHubConfigParser). EH reports every parse failure,
 * this one included, as lastDesiredStatus 400 (reference §1.4).
 */
export function readEdgeHubSchemaVersion(value: unknown, path: string): SchemaVersionRead {
  return readSchemaVersion(value, path, 400, (v) => v[0] === 1 && v[1] <= 3, 'Verge reads $edgeHub schema 1.0 to 1.3');
}

function readSchemaVersion(value: unknown, path: string, status: FaultStatus, supported: (v: SchemaVersion) => boolean, range: string): SchemaVersionRead {
  if (value === undefined) return { fault: makeFault(path, 'required', 'required', status) };
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return { fault: makeFault(path, 'type', 'must be a string such as "1.1"', status) };
  const version = parseSchemaVersion(text);
  if (version === undefined) return { fault: makeFault(path, 'schema-version', `${JSON.stringify(text)} is not a version such as "1.1"`, status) };
  if (!supported(version)) {
    return { unsupported: true, fault: makeFault(path, 'schema-version', `unsupported schema version ${JSON.stringify(text)}; ${range}`, status) };
  }
  return { text, version };
}
