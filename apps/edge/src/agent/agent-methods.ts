import { VergeError } from '@verge/contracts';
import { agentMethodFailure, edgeAgentMethodOf, moduleNotFoundForMethod, moduleNotRunningForMethod, parseRestartModuleRequest, unknownAgentMethod } from '@verge/core';
import type { MethodHandler, MethodRequest } from '@verge/device-client';
import type { Logger } from '@verge/platform';
import type { RuntimeModule } from '../runtime/module-runtime.js';
import { runtimeFor, type RuntimesByType } from './executors.js';
import { parseModuleLogsRequest } from './module-logs-request.js';
import { formatLines, logsResponse, readModuleLines, selectModules, type LogSource, type ModuleLogsResponse } from './module-logs.js';
import { observeRuntimes } from './observe.js';
import { getTaskStatus, uploadModuleLogs, uploadSupportBundle, type UploadMethodsDeps } from './upload-methods.js';

/** What the direct methods need from the agent. */
export interface AgentMethodsDeps {
  readonly runtimes: RuntimesByType;
  readonly source: LogSource;
  readonly stopTimeoutMs: number;
  readonly nowMs: () => number;
  /** Called after a restart so that the loop observes the new state at once. */
  readonly restarted: (moduleId: string) => void;
  readonly log: Logger;
  /** `UploadModuleLogs`, `UploadSupportBundle`, `GetTaskStatus` (upload-methods.ts); absent: those answer 400 unknown. */
  readonly uploads?: Omit<UploadMethodsDeps, 'runtimes' | 'source' | 'nowMs'>;
}

/**
 * The `$edgeAgent` direct-method handler (EA `RequestManager`): `ping` → 200 `null`; `RestartModule` → stop + start of a
 * running module, 200 `null`; `GetModuleLogs` → 200 with one `{ id, payload | payloadBytes }` per module. Names,
 * payload checks and failure statuses are `@verge/core`'s (agent-methods.ts), which the fleet simulator answers by too.
 */
export function createAgentMethods(deps: AgentMethodsDeps): MethodHandler {
  return async (request) => {
    try {
      return { status: 200, payload: await dispatch(deps, request) };
    } catch (err) {
      deps.log.warn({ err, methodName: request.methodName }, 'direct method failed');
      return agentMethodFailure(err);
    }
  };
}

async function dispatch(deps: AgentMethodsDeps, request: MethodRequest): Promise<unknown> {
  switch (edgeAgentMethodOf(request.methodName)) {
    case 'ping':
      return null;
    case 'RestartModule':
      await restartModule(deps, request.payload);
      return null;
    case 'GetModuleLogs':
      return getModuleLogs(deps, request.payload);
    case 'UploadModuleLogs':
      return uploadModuleLogs(uploadDeps(deps, request.methodName), request.payload);
    case 'UploadSupportBundle':
      return uploadSupportBundle(uploadDeps(deps, request.methodName), request.payload);
    case 'GetTaskStatus':
      return getTaskStatus(uploadDeps(deps, request.methodName), request.payload);
    case undefined:
      throw unknownAgentMethod(request.methodName);
  }
}

function uploadDeps(deps: AgentMethodsDeps, method: string): UploadMethodsDeps {
  if (deps.uploads === undefined) throw new VergeError('AGT_METHOD_UNKNOWN', `Command '${method}' is not available on this agent (no upload support configured)`);
  return { ...deps.uploads, runtimes: deps.runtimes, source: deps.source, nowMs: deps.nowMs };
}

async function modules(deps: Pick<AgentMethodsDeps, 'runtimes' | 'nowMs'>): Promise<RuntimeModule[]> {
  return [...(await observeRuntimes(deps.runtimes, deps.nowMs)).modules.values()].filter((m) => m.owned);
}

async function restartModule(deps: AgentMethodsDeps, payload: unknown): Promise<void> {
  const id = parseRestartModuleRequest(payload);
  await restartRunningModule(deps, id);
  deps.restarted(id);
}

/**
 * Restarts a running module (stop, then start; EA RestartRequestHandler). Throws AGT_MODULE_NOT_FOUND or
 * AGT_MODULE_NOT_RUNNING, or the runtime's step error.
 */
export async function restartRunningModule(deps: Pick<AgentMethodsDeps, 'runtimes' | 'nowMs' | 'stopTimeoutMs' | 'log'>, id: string): Promise<void> {
  const found = (await modules(deps)).find((m) => m.id === id);
  if (found === undefined) throw moduleNotFoundForMethod(id);
  if (found.state !== 'running') throw moduleNotRunningForMethod(id);
  const runtime = runtimeFor(deps.runtimes, found.type);
  deps.log.info({ moduleId: id }, 'restarting module on request');
  await runtime.stopModule(id, deps.stopTimeoutMs);
  await runtime.startModule(id);
}

async function getModuleLogs(deps: AgentMethodsDeps, payload: unknown): Promise<ModuleLogsResponse[]> {
  const request = parseModuleLogsRequest(payload, deps.nowMs());
  const all = await modules(deps);
  const byId = new Map(all.map((m) => [m.id, m]));
  const selected = selectModules(request.items, all.map((m) => m.id));
  return Promise.all(
    selected.map(async ([moduleId, item]) => {
      const module = byId.get(moduleId) as RuntimeModule;
      const lines = await readModuleLines(runtimeFor(deps.runtimes, module.type), moduleId, item);
      return logsResponse(moduleId, formatLines(lines, moduleId, request.contentType, deps.source), request, item);
    }),
  );
}
