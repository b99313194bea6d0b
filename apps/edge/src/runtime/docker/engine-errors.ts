import type { ErrorCode } from '@verge/contracts';
import { PermanentStepError, PrerequisiteError, RetryableStepError, type StepError, isStepError } from '../../agent/step-errors.js';

// Classifies what dockerode throws (docker-modem errors: `statusCode` and `json.message` for an HTTP answer, a
// Node system error `code` when the socket fails) into the step errors of STYLE §2.5.

// The engine cannot be reached at all: its socket is missing, refuses, or denies us (PrerequisiteError).
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ENOTSOCK', 'EHOSTUNREACH', 'ENETUNREACH']);
// The program of a container is missing (runc: `exec: "x": executable file not found in $PATH`, `stat /x: no such file`).
const COMMAND_MISSING = /executable file not found|exec: .*no such file or directory|exec format error|permission denied.*exec|exec: .*permission denied/i;

/** The HTTP status of an Engine API answer, when the error is one. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** The engine's own message (`json.message`), else the error's message. */
export function engineMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const json = (error as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
      return ((json as { message: string }).message).trim();
    }
    if (typeof json === 'string' && json.trim() !== '') return json.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

/** True when the error says the engine's socket could not be used. */
export function isEngineUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code) && statusCodeOf(error) === undefined;
}

/** PrerequisiteError for an unreachable engine. */
export function engineUnavailable(error: unknown, endpoint: string): PrerequisiteError {
  return new PrerequisiteError('AGT_RUNTIME_UNAVAILABLE', `the Docker engine at ${endpoint} cannot be reached: ${engineMessage(error)}`, { cause: error });
}

/**
 * The step error for a failed Engine API call on a container: unreachable engine → PrerequisiteError; a missing
 * program → PermanentStepError AGT_MODULE_COMMAND_NOT_FOUND; 404 → AGT_RUNTIME_MODULE_NOT_FOUND (retryable: the
 * next observation shows it gone); other 4xx → permanent; 5xx and the rest → retryable.
 */
export function containerError(error: unknown, what: string, endpoint: string): StepError {
  if (isStepError(error)) return error;
  if (isEngineUnreachable(error)) return engineUnavailable(error, endpoint);
  const status = statusCodeOf(error);
  const message = `${what}: ${engineMessage(error)}`;
  if (COMMAND_MISSING.test(engineMessage(error))) return new PermanentStepError('AGT_MODULE_COMMAND_NOT_FOUND', message, { cause: error, details: { status } });
  if (status === 404) return new RetryableStepError('AGT_RUNTIME_MODULE_NOT_FOUND', message, { cause: error, details: { status } });
  const code: ErrorCode = 'AGT_RUNTIME_OPERATION_FAILED';
  if (status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 408 && status !== 429) {
    return new PermanentStepError(code, message, { cause: error, details: { status } });
  }
  return new RetryableStepError(code, message, { cause: error, details: { status } });
}

/**
 * The step error for a failed pull, from the HTTP status (when the call itself failed) and the engine's or the
 * progress stream's message: unauthorized or denied → AGT_IMAGE_PULL_UNAUTHORIZED and not found →
 * AGT_IMAGE_NOT_FOUND (both permanent: retrying with the same credentials and name cannot help), malformed
 * reference → AGT_IMAGE_REFERENCE_INVALID (permanent), anything else (DNS, TLS, timeouts, registry 5xx, an
 * interrupted download) → AGT_IMAGE_PULL_FAILED (retryable).
 */
export function pullError(image: string, status: number | undefined, engineText: string, cause?: unknown): StepError {
  const message = `pulling ${JSON.stringify(image)} failed: ${engineText}`;
  const options = { cause, details: { image, status } };
  if (/invalid reference format|invalid repository name|invalid tag format|repository name must/i.test(engineText) || status === 400) {
    return new PermanentStepError('AGT_IMAGE_REFERENCE_INVALID', message, options);
  }
  if (/repository does not exist|manifest unknown|name unknown|\bnot found\b/i.test(engineText) && !/no such host/i.test(engineText)) {
    return new PermanentStepError('AGT_IMAGE_NOT_FOUND', message, options);
  }
  if (status === 401 || status === 403 || /unauthorized|authentication required|no basic auth credentials|access.*denied|denied:|incorrect username or password|forbidden/i.test(engineText)) {
    return new PermanentStepError('AGT_IMAGE_PULL_UNAUTHORIZED', message, options);
  }
  if (status === 404) return new PermanentStepError('AGT_IMAGE_NOT_FOUND', message, options);
  return new RetryableStepError('AGT_IMAGE_PULL_FAILED', message, options);
}
