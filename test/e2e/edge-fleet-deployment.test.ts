import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { deployment, startTestEdge, waitForRunning, type ModuleRunner } from '@verge/testkit/edge';

// An automatic deployment targeted by tag reaching a real edge runtime (in-process, process modules): the cloud's
// evaluator writes the module twins, the runtime runs the module and reports success, and the deployment's system
// metrics count the device as successful.

const EDGE_ID = 'edge-fleet';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };

describe('fleet deployment by tag on a real edge runtime', () => {
  const tmp = tempDir('verge-e2e-fleet-');
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    await t.api.twins.update({ deviceId: EDGE_ID }, { tags: { fleet: 'e2e' } });
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process' });
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('runs the module of the deployment its tags select and reports success in the metrics', async () => {
    const content = deployment(runner, { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '1000' } } }, { routes: { up: 'FROM /messages/modules/producer/outputs/* INTO $upstream' } });
    await t.api.configurations.create({ id: 'fleet-e2e', priority: 10, targetCondition: "tags.fleet='e2e'", content });
    const reported = await waitForRunning(t, EDGE_ID, ['producer']);
    expect(reported['lastDesiredStatus']).toMatchObject({ code: 200 });
    const metrics = await eventually(
      async () => {
        const c = await t.api.configurations.get('fleet-e2e');
        return c.systemMetrics.results.reportedSuccessfulCount === 1 ? c.systemMetrics.results : undefined;
      },
      { description: 'fleet-e2e to count the device as successful', timeoutMs: 30_000 },
    );
    expect(metrics).toEqual({ targetedCount: 1, appliedCount: 1, reportedSuccessfulCount: 1, reportedFailedCount: 0 });
    expect((await t.api.configurations.metricDevices('fleet-e2e')).systemMetrics.reportedSuccessfulCount).toEqual([EDGE_ID]);
  });
});
