import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken, deviceResource } from '@verge/core';
import { createLogger } from '@verge/platform';
import { tempDir } from '@verge/testkit';
import { startTestEdge } from '@verge/testkit/edge';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { checkCloudCredentials } from '../../../src/cloud-check.js';

// The cloud derives the keys of an edge device's modules from the device's PRIMARY key (docs/edge-cloud.md), and the
// runtime derives them from the key of its connection string. Started with the secondary key (which the cloud
// accepts for the device itself, e.g. during a key rotation), the runtime could not create a module identity, start
// a module or reach the cloud as $edgeHub, and said nothing of why.

describe('the start-up cloud check and the key of the connection string', () => {
  let cloud: TestCloud;
  let keys: { primaryKey: string; secondaryKey: string };
  const tmp = tempDir('verge-edge-key-');

  beforeAll(async () => {
    cloud = await startTestCloud();
    const { device } = await createEdgeDevice(cloud, 'edge-keys');
    keys = device.authentication?.symmetricKey as { primaryKey: string; secondaryKey: string };
  });

  afterAll(async () => {
    await cloud?.stop();
    tmp.cleanup();
  });

  const check = (key: string) =>
    checkCloudCredentials({
      baseUrl: cloud.cloud.urls.http,
      deviceId: 'edge-keys',
      authorization: createSasToken({ resource: deviceResource(cloud.hostName, 'edge-keys'), key, expirySec: Math.floor(Date.now() / 1000) + 300 }),
      deviceKey: key,
      timeoutMs: 10_000,
    });

  it("verifies the device's primary key", async () => {
    expect(await check(keys.primaryKey)).toEqual({ kind: 'verified' });
  });

  it('refuses to start with the secondary key (EDGE_CLOUD_CREDENTIALS_REJECTED naming the primary key the runtime needs)', async () => {
    const started = startTestEdge(cloud, {
      connectionString: `HostName=${cloud.hostName};DeviceId=edge-keys;SharedAccessKey=${keys.secondaryKey};GatewayHostName=localhost:${cloud.mqttPort}`,
      dataDir: join(tmp.dir, 'edge'),
      runtime: 'process',
      processUser: 'runtime',
      log: createLogger({ service: 'edge', level: 'silent' }),
    });
    const outcome: unknown = await started.then(
      async (edge) => {
        await edge.stop();
        return 'started';
      },
      (e: unknown) => e,
    );
    expect(outcome).toMatchObject({ code: 'EDGE_CLOUD_CREDENTIALS_REJECTED', message: expect.stringContaining('primary key') });
  });
});
