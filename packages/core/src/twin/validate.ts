import { VergeError } from '@verge/contracts';
import { isControlCode, isPlainObject, joinPath, utf8Length } from './json.js';
import { TWIN_LIMITS, TWIN_SYSTEM_KEYS, twinSectionSize } from './limits.js';
import type { JsonObject, TwinSectionKind } from './types.js';

/** Codes a twin issue can carry; each is a code of the error registry. */
export type TwinIssueCode = 'TWIN_TOO_LARGE' | 'TWIN_TOO_DEEP' | 'TWIN_KEY_INVALID' | 'TWIN_VALUE_INVALID' | 'TWIN_PATCH_INVALID';

/** One broken twin rule. For a key problem `path` is the parent's path and `key` the key. */
export interface TwinIssue {
  readonly code: TwinIssueCode;
  readonly path: string;
  readonly key?: string;
  readonly message: string;
}

/** Options of checkTwinSection. */
export interface TwinCheckOptions {
  /** A patch: sizes are not checked (the merged section is). Default false. */
  readonly patch?: boolean;
  /** Path of the section in messages. Default `properties.desired`, `properties.reported` or `tags`. */
  readonly basePath?: string;
}

// Bound on the issues collected for one document, so a huge bad input yields a bounded report.
const MAX_ISSUES = 100;

/** Default path of a section in messages. */
export function twinSectionPath(kind: TwinSectionKind): string {
  return kind === 'tags' ? 'tags' : `properties.${kind}`;
}

/**
 * Checks a twin section (or a patch of one) against the IoT Hub rules in TWIN_LIMITS and returns every issue
 * found (at most 100), in document order. Depth: the section object is level 0, an object or array that is the value
 * of a root key is level 1, and a container at level 11 is rejected (the IoT Hub example allows `one`…`ten` nested
 * objects under `tags`); arrays count as levels like objects. `null` members are allowed (they delete in a patch and
 * mean "absent" in a section). Root `$version` and `$metadata` are system keys and are skipped. Never throws.
 */
export function checkTwinSection(kind: TwinSectionKind, value: unknown, options: TwinCheckOptions = {}): TwinIssue[] {
  const basePath = options.basePath ?? twinSectionPath(kind);
  if (!isPlainObject(value)) {
    return [{ code: 'TWIN_PATCH_INVALID', path: basePath, message: `${displayPath(basePath)}: must be a JSON object` }];
  }
  const issues: TwinIssue[] = [];
  walkObject(value, basePath, 0, true, issues);
  if (options.patch !== true && issues.length < MAX_ISSUES) {
    const size = twinSectionSize(value);
    const limit = TWIN_LIMITS.maxBytes[kind];
    if (size > limit) {
      issues.push({ code: 'TWIN_TOO_LARGE', path: basePath, message: `${displayPath(basePath)}: size ${size} bytes exceeds the limit of ${limit} bytes` });
    }
  }
  return issues;
}

function walkObject(value: Record<string, unknown>, path: string, depth: number, root: boolean, issues: TwinIssue[]): void {
  for (const key of Object.keys(value)) {
    if (issues.length >= MAX_ISSUES) return;
    if (root && TWIN_SYSTEM_KEYS.has(key)) continue;
    const problem = twinKeyProblem(key);
    if (problem !== undefined) {
      issues.push({ code: 'TWIN_KEY_INVALID', path, key, message: `${displayPath(path)}: key ${quoteKey(key)} ${problem}` });
    }
    const child = value[key];
    if (child !== null) walkValue(child, joinPath(path, key), depth + 1, issues);
  }
}

function walkValue(value: unknown, path: string, depth: number, issues: TwinIssue[]): void {
  if (Array.isArray(value) || isPlainObject(value)) {
    if (depth > TWIN_LIMITS.maxDepth) {
      issues.push({ code: 'TWIN_TOO_DEEP', path, message: `${path}: depth ${depth} exceeds the limit of ${TWIN_LIMITS.maxDepth}` });
      return;
    }
    if (isPlainObject(value)) walkObject(value, path, depth, false, issues);
    else walkArray(value as unknown[], path, depth, issues);
    return;
  }
  const problem = twinScalarProblem(value);
  if (problem !== undefined) issues.push({ code: 'TWIN_VALUE_INVALID', path, message: `${path}: ${problem}` });
}

function walkArray(value: unknown[], path: string, depth: number, issues: TwinIssue[]): void {
  for (let i = 0; i < value.length; i++) {
    if (issues.length >= MAX_ISSUES) return;
    const element = value[i];
    if (element !== null) walkValue(element, joinPath(path, i), depth + 1, issues);
  }
}

/** What is wrong with a twin key (IoT Hub key rules), or undefined when it is valid. */
export function twinKeyProblem(key: string): string | undefined {
  if (key === '') return 'must not be empty';
  const bytes = utf8Length(key);
  if (bytes > TWIN_LIMITS.maxKeyBytes) return `is ${bytes} bytes long, over the limit of ${TWIN_LIMITS.maxKeyBytes} bytes`;
  for (let i = 0; i < key.length; i++) {
    if (isControlCode(key.charCodeAt(i))) return 'must not contain control characters (U+0000–U+001F, U+0080–U+009F)';
  }
  if (key.includes('.')) return 'must not contain "."';
  if (key.includes('$')) return 'must not contain "$"';
  if (key.includes(' ')) return 'must not contain spaces';
  return undefined;
}

/** What is wrong with a non-container twin value, or undefined when it is a valid JSON scalar. */
export function twinScalarProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'string') {
    const bytes = utf8Length(value);
    return bytes > TWIN_LIMITS.maxStringBytes ? `string of ${bytes} bytes exceeds the limit of ${TWIN_LIMITS.maxStringBytes} bytes` : undefined;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${String(value)} is not a JSON number`;
    if (Number.isInteger(value) && (value < TWIN_LIMITS.minInteger || value > TWIN_LIMITS.maxInteger)) {
      return `integer ${value} is outside the range ${TWIN_LIMITS.minInteger} to ${TWIN_LIMITS.maxInteger}`;
    }
    return undefined;
  }
  return `${describeNonJson(value)} is not a JSON value`;
}

function describeNonJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const proto: unknown = Object.getPrototypeOf(value);
  const name = typeof proto === 'object' && proto !== null && typeof proto.constructor === 'function' ? proto.constructor.name : '';
  return name === '' ? 'object' : `${name} object`;
}

function quoteKey(key: string): string {
  return key.length > 64 ? `${JSON.stringify(key.slice(0, 64))}…` : JSON.stringify(key);
}

function displayPath(path: string): string {
  return path === '' ? '(root)' : path;
}

/** Throws the first issue as a VergeError (its code), with every issue in `details.issues`. */
export function throwTwinIssues(issues: readonly TwinIssue[]): never {
  const [first] = issues;
  if (first === undefined) throw new VergeError('INTERNAL_ERROR', 'throwTwinIssues called without issues');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new VergeError(first.code, `${first.message}${more}`, { details: { issues } });
}

/** Throws a VergeError (TWIN_*) unless `section` satisfies every IoT Hub rule for a `kind` section. */
export function assertTwinSection(kind: TwinSectionKind, section: unknown, options: TwinCheckOptions = {}): asserts section is JsonObject {
  const issues = checkTwinSection(kind, section, { ...options, patch: false });
  if (issues.length > 0) throwTwinIssues(issues);
}

/** Throws a VergeError (TWIN_*) unless `patch` is a valid merge patch of a `kind` section (sizes are checked on the result). */
export function assertTwinPatch(kind: TwinSectionKind, patch: unknown, options: TwinCheckOptions = {}): asserts patch is JsonObject {
  const issues = checkTwinSection(kind, patch, { ...options, patch: true });
  if (issues.length > 0) throwTwinIssues(issues);
}
