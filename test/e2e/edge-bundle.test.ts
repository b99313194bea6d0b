import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BUILT, runVerge, startLeafEdge, type LeafEdge, type RuntimeProcess } from '@verge/testkit/edge';

// `verge edge start` runs the bundled edge runtime (scripts/bundle-edge.mjs, made by `npm run build`; issue 8,
// footprint). Its lazy chunks must load where the unbundled build loads their modules: the certificate generator
// on the first start (edge CA, hub certificate), mqtt.js for the links to the cloud; a leaf's message must cross
// the hub to the cloud; SIGTERM stops it cleanly, and a second start (certificates kept) runs the bundle again.
// The bundle has its own copy of VergeError: a refused start must still end as one line and exit 2.

const EDGE_ID = 'edge-bundle';
const LEAF_ID = 'leaf-bundle';

describe.runIf(CLI_BUILT)('the built `verge edge start` runs the bundled edge runtime', () => {
  let edge: LeafEdge;

  beforeAll(async () => {
    edge = await startLeafEdge({ edgeId: EDGE_ID, leafId: LEAF_ID, tempPrefix: 'verge-e2b-' });
  });

  afterAll(async () => {
    await edge?.stop();
  });

  async function startBundled(): Promise<RuntimeProcess> {
    // Printed with the other start lines; "unbundled: <why>" when the bundle is missing or older than the build.
    const { runtime, build } = await edge.startRuntime();
    expect(build).toBe('bundled');
    return runtime;
  }

  it('starts, carries a leaf message to the cloud, stops on SIGTERM and starts again', async () => {
    const first = await startBundled();
    const client = await edge.connectLeaf();
    await edge.probeUpstream(client);
    client.end(true);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = await startBundled();
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('reports a start the bundled runtime refuses as one line, exit 2', async () => {
    const missing = join(edge.dir, 'no-such-ca.pem');
    const run = await runVerge(['edge', 'start', '--data', join(edge.dir, 'refused'), '--cloud-ca', missing, '--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0'], {
      env: { VERGE_EDGE_CONNECTION_STRING: edge.edgeConnectionString },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--cloud-ca ${missing} cannot be read`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
