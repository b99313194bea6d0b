import { statusFromState } from '@verge/core';
import type { RuntimeModule } from '../runtime/module-runtime.js';
import type { WorkloadModule } from './workload-routes.js';

/**
 * One entry of the workload API's `GET /modules` (reference §7.1) from an observed module: settings and env of the
 * desired spec it was created from (not the injected env), times in RFC 3339, and the runtime status of the
 * Docker state (reference §2.3) unless the caller knows better (the agent's restart-policy view).
 */
export function workloadModuleOf(module: RuntimeModule, status?: { readonly status: string; readonly description?: string }): WorkloadModule {
  const desired = module.desired;
  const settings: Record<string, unknown> =
    desired === undefined
      ? {}
      : desired.type === 'docker'
        ? { image: desired.settings.image, createOptions: desired.settings.createOptions }
        : { command: desired.settings.command, args: desired.settings.args, ...(desired.settings.cwd === undefined ? {} : { cwd: desired.settings.cwd }) };
  const env = Object.entries(desired?.env ?? {}).map(([key, value]) => ({ key, value }));
  const runtimeStatus = status ?? {
    status: statusFromState(module.state, module.exitCode),
    ...(module.statusDescription === undefined ? {} : { description: module.statusDescription }),
  };
  return {
    id: module.id,
    name: module.id,
    type: module.type,
    config: { settings, env },
    status: {
      ...(module.startedAtMs === undefined ? {} : { startTime: new Date(module.startedAtMs).toISOString() }),
      ...(module.exitedAtMs === undefined || module.state === 'running'
        ? {}
        : { exitStatus: { exitTime: new Date(module.exitedAtMs).toISOString(), statusCode: String(module.exitCode ?? 0) } }),
      runtimeStatus,
    },
  };
}
