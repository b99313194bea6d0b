import { VergeError, isVergeError } from '@verge/contracts';

// The `$edgeAgent` direct methods (reference §2.6, EA RequestManager) as data and checks: what the edge runtime's
// agent and the fleet simulator's devices both answer by, so a caller sees the same names, messages and statuses.

/** The methods edgeAgent answers; names are matched case-insensitively, as EA's RequestManager. */
export const EDGE_AGENT_METHODS = ['ping', 'RestartModule', 'GetModuleLogs', 'UploadModuleLogs', 'UploadSupportBundle', 'GetTaskStatus'] as const;
export type EdgeAgentMethod = (typeof EDGE_AGENT_METHODS)[number];

/** The method a request names (any case), or undefined for one edgeAgent does not have. */
export function edgeAgentMethodOf(methodName: string): EdgeAgentMethod | undefined {
  const lower = methodName.toLowerCase();
  return EDGE_AGENT_METHODS.find((m) => m.toLowerCase() === lower);
}

/** AGT_METHOD_UNKNOWN with EA's message for a method it does not have. */
export function unknownAgentMethod(methodName: string): VergeError {
  return new VergeError('AGT_METHOD_UNKNOWN', `Command '${methodName}' not found. The supported commands are - ${EDGE_AGENT_METHODS.join(',')}`);
}

/** Checks a request's `schemaVersion`: major 1 is required; another minor is accepted (EA only logs it). */
export function checkMethodSchemaVersion(value: unknown, method: string): void {
  if (typeof value !== 'string' || !/^1(\.\d+){0,3}$/.test(value.trim())) {
    throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', `${method}: schemaVersion ${JSON.stringify(value)} is not supported; send "1.0"`);
  }
}

/** The module id of a `RestartModule` payload (`{ "schemaVersion": "1.0", "id": "<module id>" }`); AGT_METHOD_PAYLOAD_INVALID otherwise. */
export function parseRestartModuleRequest(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', 'RestartModule: the payload must be { "schemaVersion": "1.0", "id": "<module id>" }');
  }
  const { schemaVersion, id } = payload as { schemaVersion?: unknown; id?: unknown };
  checkMethodSchemaVersion(schemaVersion, 'RestartModule');
  if (typeof id !== 'string' || id === '') throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', 'RestartModule: id must be a non-empty module id');
  return id;
}

/** AGT_MODULE_NOT_FOUND, EA's message when `RestartModule` names a module the device does not run. */
export function moduleNotFoundForMethod(id: string): VergeError {
  return new VergeError('AGT_MODULE_NOT_FOUND', `Module ${id} not found in the current environment`);
}

/** AGT_MODULE_NOT_RUNNING, EA's message when `RestartModule` names a module that is not running. */
export function moduleNotRunningForMethod(id: string): VergeError {
  return new VergeError('AGT_MODULE_NOT_RUNNING', `Module ${id} cannot be restarted since it is not running`);
}

/**
 * A failed method's answer as EA gives it: 400 `{ message }` for a bad payload or an unknown method (EA:
 * ArgumentException), 404 for an unknown task, 500 `{ message }` for anything else.
 */
export function agentMethodFailure(err: unknown): { readonly status: number; readonly payload: { readonly message: string } } {
  const message = err instanceof Error ? err.message : String(err);
  const badRequest = isVergeError(err, 'AGT_METHOD_PAYLOAD_INVALID') || isVergeError(err, 'AGT_METHOD_UNKNOWN');
  const status = badRequest ? 400 : isVergeError(err, 'AGT_TASK_NOT_FOUND') ? 404 : 500;
  return { status, payload: { message } };
}
