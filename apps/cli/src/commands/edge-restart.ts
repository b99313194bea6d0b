import type { Command } from 'commander';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { assertSuccess, DEFAULT_EDGE_DATA_DIR, managementRequest, managementSocketOf } from '../edge/management-client.js';

/** `verge edge restart <module>`: stops and starts a module of the local edge runtime (as `iotedge restart`). */
export function registerEdgeRestart(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  addVerb(group, 'restart', 'restart a module of the local edge runtime (stop, then start)')
    .argument('<module>', 'module id')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .action(runAction((stdio, moduleId: string, options: { readonly data?: string }) => restartModule(stdio, moduleId, options)));
}

async function restartModule(stdio: Stdio, moduleId: string, options: { readonly data?: string }): Promise<number> {
  const res = await managementRequest(managementSocketOf(options.data), 'POST', `/modules/${encodeURIComponent(moduleId)}/restart`);
  await assertSuccess(res);
  res.resume();
  stdio.out(`restarted ${moduleId}`);
  return 0;
}
