import { VergeError } from '@verge/contracts';
import { contentWrites, type ContentWrite } from './content.js';
import type { Deployment } from './deployment.js';
import { compileTargetCondition, type CompiledTarget } from './target-condition.js';

/** Longest deployment id (reference §10.1). */
export const DEPLOYMENT_ID_MAX_LENGTH = 128;
/** Largest priority: IoT Hub's `Configuration.priority` is a 32-bit integer. */
export const DEPLOYMENT_PRIORITY_MAX = 2_147_483_647;

// Reference §10.1: "no spaces or & ^ [ ] { } \ | " < > /".
const FORBIDDEN_ID_CHARS = new Set(['&', '^', '[', ']', '{', '}', '\\', '|', '"', '<', '>', '/']);

/**
 * Checks a deployment id against reference §10.1: 1–128 characters, lower case, no space or `& ^ [ ] { } \ | " < > /`;
 * and not `.` or `..`, which a URL path resolves away (`PUT /configurations/..` is `PUT /`).
 */
export function validateDeploymentId(id: string): { readonly ok: true } | { readonly ok: false; readonly error: VergeError } {
  const fail = (rule: string) => ({ ok: false as const, error: new VergeError('TARGET_DEPLOYMENT_ID_INVALID', `deployment id '${id}': ${rule}`, { details: { id } }) });
  if (id.length === 0) return fail('must not be empty');
  if (id.length > DEPLOYMENT_ID_MAX_LENGTH) return fail(`is ${id.length} characters long; the maximum is ${DEPLOYMENT_ID_MAX_LENGTH}`);
  if (id === '.' || id === '..') return fail("is a path segment of its own ('.' and '..' are resolved away in a URL, so the deployment could not be addressed)");
  for (let i = 0; i < id.length; i++) {
    const ch = id[i] as string;
    if (/\s/u.test(ch) || /\p{Cc}/u.test(ch)) return fail(`has a space or control character at position ${i + 1}`);
    if (FORBIDDEN_ID_CHARS.has(ch)) return fail(`has '${ch}' at position ${i + 1}; none of & ^ [ ] { } \\ | " < > / is allowed`);
    if (ch !== ch.toLowerCase()) return fail(`has the upper-case letter '${ch}' at position ${i + 1}; ids are lower case`);
  }
  return { ok: true };
}

/** A deployment that passed `checkDeployment`, with its compiled target and its content writes. */
export interface CheckedDeployment {
  readonly deployment: Deployment;
  readonly target: CompiledTarget;
  readonly writes: readonly ContentWrite[];
}

/**
 * Validates a deployment as the cloud accepts it: id (reference §10.1), priority (an integer 0…2^31−1; the
 * reference says "positive", but IoT Hub's Azure CLI defaults to 0, so 0 is accepted), creation time, target
 * condition (§10.2) and the structure of its content keys (§10.3). It does not validate the manifest inside
 * (`$edgeAgent`/`$edgeHub` schemas): use `checkDeploymentManifest` for a standard deployment's content.
 */
export function checkDeployment(d: Deployment): { readonly ok: true; readonly checked: CheckedDeployment } | { readonly ok: false; readonly errors: VergeError[] } {
  const errors: VergeError[] = [];
  const id = validateDeploymentId(d.id);
  if (!id.ok) errors.push(id.error);
  if (!Number.isSafeInteger(d.priority) || d.priority < 0 || d.priority > DEPLOYMENT_PRIORITY_MAX) {
    errors.push(new VergeError('TARGET_DEPLOYMENT_PRIORITY_INVALID', `deployment '${d.id}': priority ${String(d.priority)} is not an integer from 0 to ${DEPLOYMENT_PRIORITY_MAX}`, { details: { id: d.id } }));
  }
  if (!Number.isSafeInteger(d.createdAtMs) || d.createdAtMs < 0) {
    errors.push(new VergeError('TARGET_DEPLOYMENT_CREATED_AT_INVALID', `deployment '${d.id}': createdAtMs ${String(d.createdAtMs)} is not a non-negative integer`, { details: { id: d.id } }));
  }
  const target = compileTargetCondition(d.targetCondition);
  if (!target.ok) errors.push(target.error);
  const content = contentWrites(d);
  if (!content.ok) errors.push(...content.errors);
  if (errors.length > 0 || !target.ok || !content.ok) return { ok: false, errors };
  return { ok: true, checked: { deployment: d, target: target.target, writes: content.writes } };
}
