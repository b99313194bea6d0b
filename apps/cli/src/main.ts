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
import { registerSimulate } from './commands/simulate.js';
import { registerTwinShow } from './commands/twin-show.js';
import { registerTwinUpdate } from './commands/twin-update.js';
import { registerEdgeList } from './commands/edge-list.js';
import { registerEdgeLogs } from './commands/edge-logs.js';
import { registerEdgeRestart } from './commands/edge-restart.js';
import { registerEdgeDeadLetters } from './commands/edge-dead-letters.js';
import { registerEdgeCheck } from './commands/edge-check.js';
import { registerEdgeSupportBundle } from './commands/edge-support-bundle.js';
import { registerFilesGet } from './commands/files-get.js';
import { registerFilesList } from './commands/files-list.js';
import { registerDeploymentRollout } from './commands/deployment-rollout.js';
import { registerDeploymentCreate } from './commands/deployment-create.js';
import { registerDeploymentList } from './commands/deployment-list.js';
import { registerDeploymentShow } from './commands/deployment-show.js';
import { registerDeploymentDelete } from './commands/deployment-delete.js';
import { registerDeploymentPlan } from './commands/deployment-plan.js';
import { registerDeploymentStatus } from './commands/deployment-status.js';
import { registerDeviceExplain } from './commands/device-explain.js';
import { registerJobCancel } from './commands/job-cancel.js';
import { registerJobCreate } from './commands/job-create.js';
import { registerJobList } from './commands/job-list.js';
import { registerJobShow } from './commands/job-show.js';

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
  registerSimulate(program);
  registerCloudStart(program);
  registerCloudCredentials(program);
  registerEdgeStart(program);
  registerEdgeList(program);
  registerEdgeLogs(program);
  registerEdgeRestart(program);
  registerEdgeConfigApply(program);
  registerEdgeDeadLetters(program);
  registerEdgeCheck(program);
  registerEdgeSupportBundle(program);
  registerFilesList(program);
  registerFilesGet(program);
  registerDeploymentCreate(program);
  registerDeploymentList(program);
  registerDeploymentShow(program);
  registerDeploymentDelete(program);
  registerDeploymentPlan(program);
  registerDeploymentStatus(program);
  registerDeploymentRollout(program);
  registerDeviceExplain(program);
  registerJobCreate(program);
  registerJobShow(program);
  registerJobCancel(program);
  registerJobList(program);
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
