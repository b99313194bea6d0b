import { describe } from 'vitest';
import { describeAdoption } from './module-runtime/adoption.js';
import type { ModuleRuntimeContractOptions } from './module-runtime/fixture.js';
import { describeLifecycle } from './module-runtime/lifecycle.js';
import { describeLogsEvents } from './module-runtime/logs-events.js';
import { describeStopRemove } from './module-runtime/stop-remove.js';

export type { ModuleProgram, ModuleRuntimeContractOptions, ModuleRuntimeSubject } from './module-runtime/fixture.js';

/**
 * The contract every `ModuleRuntime` (apps/edge/src/runtime) passes, Docker and process alike (STYLE §2.8, MQTT.js
 * `abstract_store`): create without start, start, output with stream and time, exit codes and times, env merging,
 * SIGTERM then SIGKILL on stop, remove, unknown ids, refused specs, a missing program, log tail/since/follow,
 * events, adoption by a new instance with the same owner, and isolation from other owners.
 */
export function describeModuleRuntimeContract(options: ModuleRuntimeContractOptions): void {
  describe(`${options.name} (ModuleRuntime contract)`, () => {
    describeLifecycle(options.make);
    describeStopRemove(options.make);
    describeLogsEvents(options.make);
    describeAdoption(options.make);
  });
}
