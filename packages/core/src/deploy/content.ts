import { DESIRED_KEY, VergeError } from '@verge/contracts';
import type { Deployment } from './deployment.js';

/**
 * Content keys of a deployment (reference §1.1, §10.3): `properties.desired` sets a module twin's whole desired
 * section; in a layered deployment `properties.desired.<a>.<b>…` sets one path inside it. Twin keys cannot contain
 * `.` (IoT Hub twin rules), so the path splits unambiguously on dots.
 */
/** One write of a deployment into a module twin's desired properties; `path` is empty for the whole section. */
export interface ContentWrite {
  readonly moduleId: string;
  readonly key: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentError(message: string, details: Record<string, unknown>): VergeError {
  return new VergeError('TARGET_DEPLOYMENT_CONTENT_INVALID', message, { details });
}

/** The desired path of a content key, or an error message. */
function keyPath(key: string): readonly string[] | string {
  if (key === DESIRED_KEY) return [];
  if (!key.startsWith(`${DESIRED_KEY}.`)) return `expected '${DESIRED_KEY}' or '${DESIRED_KEY}.<path>'`;
  const path = key.slice(DESIRED_KEY.length + 1).split('.');
  return path.some((s) => s === '') ? 'a path segment is empty' : path;
}

function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}

function moduleWrites(d: Deployment, moduleId: string, block: unknown, errors: VergeError[]): ContentWrite[] {
  const where = `modulesContent.${moduleId}`;
  if (!isRecord(block)) {
    errors.push(contentError(`${where}: a module block must be an object of '${DESIRED_KEY}…' keys`, { moduleId }));
    return [];
  }
  const writes: ContentWrite[] = [];
  for (const [key, value] of Object.entries(block)) {
    const path = keyPath(key);
    if (typeof path === 'string') errors.push(contentError(`${where}: key '${key}': ${path}`, { moduleId, key }));
    else if (path.length > 0 && !d.layered) {
      errors.push(contentError(`${where}: key '${key}': only a layered deployment may set a sub-path; a standard deployment sets '${DESIRED_KEY}'`, { moduleId, key }));
    } else if (path.length === 0 && !isRecord(value)) {
      errors.push(contentError(`${where}: '${DESIRED_KEY}' must be an object`, { moduleId, key }));
    } else writes.push({ moduleId, key, path, value });
  }
  for (const a of writes) {
    const b = writes.find((w) => w !== a && isPrefix(a.path, w.path));
    if (b !== undefined) {
      errors.push(contentError(`${where}: keys '${a.key}' and '${b.key}' overlap: one deployment may set a path only once`, { moduleId, keys: [a.key, b.key] }));
      break;
    }
  }
  return writes;
}

/** All writes of a deployment's content, or every structural problem found in it. */
export function contentWrites(d: Deployment): { readonly ok: true; readonly writes: ContentWrite[] } | { readonly ok: false; readonly errors: VergeError[] } {
  const modulesContent: unknown = isRecord(d.content) ? d.content.modulesContent : undefined;
  if (!isRecord(modulesContent)) {
    return { ok: false, errors: [contentError('content.modulesContent must be an object of module blocks', {})] };
  }
  const errors: VergeError[] = [];
  const writes: ContentWrite[] = [];
  for (const [moduleId, block] of Object.entries(modulesContent)) {
    if (moduleId === '') errors.push(contentError('modulesContent: a module id is empty', {}));
    else writes.push(...moduleWrites(d, moduleId, block, errors));
  }
  return errors.length === 0 ? { ok: true, writes } : { ok: false, errors };
}
