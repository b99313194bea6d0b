import { join } from 'node:path';
import { MANAGEMENT_SOCKET_FILE, type ManagedModule } from '@verge/contracts';
import { applyConfigurationContent, createEdgeDevice, type TestCloud } from '../cloud/index.js';
import { eventually } from '../wait/index.js';
import { listManagedModules } from './edge.js';
import { deployment } from './test-modules.js';
import { stageModules } from './process-user.js';

/**
 * Registers edge device `edgeId` in `t`'s cloud and deploys one process module, `sleeper` (test/modules/sleeper.mjs,
 * staged world-readable so that, as root, it runs as its own uid wherever the repository lives), no routes.
 * Resolves with the device's connection string and the staged directory's cleanup.
 */
export async function deploySleeperEdge(t: TestCloud, edgeId: string): Promise<{ connectionString: string; cleanup: () => void }> {
  const staged = await stageModules(['sleeper.mjs']);
  try {
    const { connectionString } = await createEdgeDevice(t, edgeId);
    const manifest = deployment({ kind: 'process', node: process.execPath, modulesDir: staged.dir }, { sleeper: { file: 'sleeper.mjs' } }, { routes: {} });
    const applied = await applyConfigurationContent(t, edgeId, manifest);
    if (applied.status !== 204) throw new Error(`the sleeper deployment was refused (${applied.status}): ${applied.body}`);
    return { connectionString, cleanup: staged.cleanup };
  } catch (e) {
    staged.cleanup();
    throw e;
  }
}

/** Waits (60 s at most) until the runtime with data directory `dataDir` reports module `moduleId` running; `output` names what it printed. */
export function waitForModuleRunning(dataDir: string, moduleId: string, output: () => string): Promise<ManagedModule> {
  const management = { managementSocketPath: join(dataDir, MANAGEMENT_SOCKET_FILE) };
  return eventually(async () => (await listManagedModules(management)).find((m) => m.id === moduleId && m.runtimeStatus === 'running'), { description: `module ${moduleId} to run`, timeoutMs: 60_000, intervalMs: 200 }).catch(
    (err: unknown) => {
      throw new Error(`${String(err)}; output: ${output().slice(-2000)}`);
    },
  );
}
