import { join } from 'node:path';
import type { RunningEdge } from '@verge/edge';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '../cloud/index.js';
import { tempDir } from '../host/temp-dir.js';
import { startTestEdge } from './edge.js';
import { waitForRunning } from './pipeline.js';
import { deployment } from './test-modules.js';

/**
 * A test cloud and edge device `edgeId` whose runtime runs in-process (process modules as the runtime's own user)
 * with the producer → filter → $upstream pipeline deployed and both modules running.
 */
export interface PipelineEdge {
  readonly t: TestCloud;
  readonly edge: RunningEdge;
  /** The temporary directory holding the cloud's data (`cloud`) and the runtime's (`edge`), for a test's own files. */
  readonly dir: string;
  /** The runtime's data directory (`dir`/edge). */
  readonly dataDir: string;
  readonly connectionString: string;
  /** Stops the runtime and the cloud, removes the temporary directory. */
  stop(): Promise<void>;
}

export interface PipelineEdgeOptions {
  readonly edgeId: string;
  readonly tempPrefix: string;
  /** How often the producer sends (its SEND_INTERVAL_MS). */
  readonly sendIntervalMs: number;
  /** Desired properties of the module twins, by module id. */
  readonly moduleDesired?: Readonly<Record<string, Record<string, unknown>>>;
  /** Runs once the device exists, before the runtime starts (e.g. installing its config file). */
  readonly beforeStart?: (p: { t: TestCloud; dir: string; dataDir: string; connectionString: string }) => Promise<void>;
}

export async function startPipelineEdge(o: PipelineEdgeOptions): Promise<PipelineEdge> {
  const tmp = tempDir(o.tempPrefix);
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud | undefined;
  let edge: RunningEdge | undefined;
  const stop = async (): Promise<void> => {
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  };
  try {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, o.edgeId);
    await o.beforeStart?.({ t, dir: tmp.dir, dataDir, connectionString });
    edge = await startTestEdge(t, { dataDir, connectionString, runtime: 'process', processUser: 'runtime' });
    const modules = { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: String(o.sendIntervalMs) } }, filter: { file: 'filter.mjs' } };
    const manifest = deployment({ kind: 'process', node: process.execPath }, modules, o.moduleDesired === undefined ? {} : { moduleDesired: o.moduleDesired });
    const applied = await applyConfigurationContent(t, o.edgeId, manifest);
    if (applied.status !== 204) throw new Error(`the pipeline deployment was refused (${applied.status}): ${applied.body}`);
    await waitForRunning(t, o.edgeId, ['producer', 'filter']);
    return { t, edge, dir: tmp.dir, dataDir, connectionString, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
