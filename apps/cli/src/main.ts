import { Command, CommanderError } from 'commander';
import { registerC2dSend } from './commands/c2d-send.js';
import { registerCloudCredentials } from './commands/cloud-credentials.js';
import { registerCloudStart } from './commands/cloud-start.js';
import { registerDeviceApplyConfiguration } from './commands/device-apply-configuration.js';
import { registerDeviceCreate } from './commands/device-create.js';
import { registerDeviceDelete } from './commands/device-delete.js';
import { registerDeviceList } from './commands/device-list.js';
import { registerDeviceShow } from './commands/device-show.js';
import { registerEdgeConfigApply } from './commands/edge-config-apply.js';
import { registerEdgeStart } from './commands/edge-start.js';
import { registerMethodInvoke } from './commands/method-invoke.js';
import { registerModuleCreate } from './commands/module-create.js';
import { registerModuleList } from './commands/module-list.js';
import { registerManifestValidate } from './commands/manifest-validate.js';
import { registerMonitor } from './commands/monitor.js';
import { registerRouteTest } from './commands/route-test.js';
import { registerTwinShow } from './commands/twin-show.js';
import { registerTwinUpdate } from './commands/twin-update.js';
import { registerEdgeList } from './commands/edge-list.js';
import { registerEdgeLogs } from './commands/edge-logs.js';
import { registerEdgeRestart } from './commands/edge-restart.js';
import { registerEdgeDeadLetters } from './commands/edge-dead-letters.js';

/** Builds the `verge` command tree. Each command registers itself from `commands/<noun>-<verb>.ts`. */
export function buildProgram(): Command {
  const program = new Command('verge')
    .description('Verge: a self-hostable IoT edge platform compatible with Azure IoT Edge')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerDeviceCreate(program);
  registerDeviceList(program);
  registerDeviceShow(program);
  registerDeviceDelete(program);
  registerDeviceApplyConfiguration(program);
  registerModuleCreate(program);
  registerModuleList(program);
  registerTwinShow(program);
  registerTwinUpdate(program);
  registerMethodInvoke(program);
  registerC2dSend(program);
  registerMonitor(program);
  registerManifestValidate(program);
  registerRouteTest(program);
  registerCloudStart(program);
  registerCloudCredentials(program);
  registerEdgeStart(program);
  registerEdgeList(program);
  registerEdgeLogs(program);
  registerEdgeRestart(program);
  registerEdgeConfigApply(program);
  registerEdgeDeadLetters(program);
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
