import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { createEdgeHubScopeSource, type EdgeHubScopeSourceOptions } from '../../../src/hub/index.js';

// The device-scope source the edge runtime gives its hub (`startEdge` and the hub tests build it the same way),
// against a real cloud: signed as `$edgeHub` with its derived key once the agent knows its generation id, with the
// device's own token before that.

const EDGE = 'scope-edge';
let cloud: TestCloud;
let base: EdgeHubScopeSourceOptions;
let hubGeneration: string;

beforeAll(async () => {
  cloud = await startTestCloud();
  const deviceKey = await cloud.createDevice(EDGE, { edge: true });
  await cloud.createDevice('scope-leaf', { deviceScope: await cloud.deviceScope(EDGE) });
  hubGeneration = (await cloud.deriveModule(EDGE, deviceKey, '$edgeHub')).generationId;
  base = { baseUrl: cloud.cloud.urls.https, ca: cloud.caPem, iotHubHostName: cloud.hostName, deviceId: EDGE, deviceKey, resolveModule: () => undefined };
});

afterAll(async () => {
  await cloud?.stop();
});

const leavesOf = async (o: EdgeHubScopeSourceOptions): Promise<string[]> => (await createEdgeHubScopeSource(o).fetch(AbortSignal.timeout(10_000))).devices.map((d) => d.deviceId);

describe('createEdgeHubScopeSource', () => {
  it("signs as $edgeHub with the key derived from the device key and $edgeHub's generation id", async () => {
    const resolveModule = (m: string): { generationId: string } | undefined => (m === '$edgeHub' ? { generationId: hubGeneration } : undefined);
    expect(await leavesOf({ ...base, resolveModule })).toEqual(['scope-leaf']);
  });

  it("signs with the device's own token before the agent knows $edgeHub's generation id", async () => {
    expect(await leavesOf(base)).toEqual(['scope-leaf']);
  });

  it('fails with HUB_SCOPE_SYNC_FAILED when the cloud refuses the signature (a wrong generation id)', async () => {
    const err = await leavesOf({ ...base, resolveModule: () => ({ generationId: 'not-the-generation' }) }).catch((e: unknown) => e);
    expect(isVergeError(err, 'HUB_SCOPE_SYNC_FAILED')).toBe(true);
  });
});
