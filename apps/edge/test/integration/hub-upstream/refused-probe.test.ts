import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceClient, type DeviceClientOptions, type DisconnectedEvent } from '@verge/device-client';
import type { EdgeHub } from '@verge/edge';
import { createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { createTestEdgeCa, registerHubIdentities, standaloneHubDeps, startStandaloneHub, type HubIdentities } from '@verge/testkit/edge';

// The hub's `$edgeHub` link (the probe) redials every second while the cloud is away, so the store drains within a
// second of its return. A cloud that answers and refuses (the edge device disabled, its key renewed) is not away:
// found by hand, the probe then did a TLS handshake and CONNECT per second for as long as the refusal lasted, with a
// warning line each time. Now it backs off as every link does (1 s → 60 s) and warns once per reason per minute.

const EDGE_ID = 'edge-refused';

describe('edge hub: the cloud refuses the hub\'s own credential', () => {
  const tmp = tempDir('verge-refused-');
  let t: TestCloud;
  let ids: HubIdentities;
  let hub: EdgeHub | undefined;
  const probeEvents: DisconnectedEvent[] = [];
  const lines: { level: number; msg: string; reason?: string; suppressedSinceLast?: number }[] = [];

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    ids = await registerHubIdentities(t, { edgeId: EDGE_ID, leafId: 'leaf-refused' });
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(String(chunk)) as (typeof lines)[number]), done()) });
    const base = standaloneHubDeps(t, ids, {
      dataDir: join(tmp.dir, 'hub'),
      edgeCa: await createTestEdgeCa(),
      log: createLogger({ service: 'edge-hub', level: 'debug', destination: sink }),
      createUpstreamClient: (options: DeviceClientOptions) => {
        const client = createDeviceClient(options);
        if (options.moduleId === '$edgeHub') client.on('disconnected', (e) => probeEvents.push(e));
        return client;
      },
    });
    hub = (await startStandaloneHub(base)).hub;
    await eventually(() => hub?.status().online === true, { description: 'the probe link to connect' });
  });

  afterAll(async () => {
    await hub?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('backs off (1 s → 60 s) once the cloud refuses it, warns once, and reconnects after the device is enabled again', async () => {
    const device = await t.api.devices.get(EDGE_ID);
    await t.api.devices.update({ ...device, status: 'disabled' });
    const refusals = (): DisconnectedEvent[] => probeEvents.filter((e) => e.reason === 'connectFailed');
    await eventually(() => refusals().length >= 2, { description: 'two refused attempts of the probe', timeoutMs: 20_000 });
    // RECONNECT_BACKOFF (1 s doubling, ±20 %) instead of the probe's 250 ms → 1 s (its waits never exceed 1.2 s).
    const waits = refusals().slice(0, 2).map((e) => e.retryInMs ?? 0);
    expect(waits[0]).toBeGreaterThanOrEqual(800);
    expect(waits[1]).toBeGreaterThanOrEqual(1_600);
    const warnings = lines.filter((l) => l.msg === 'the cloud refused the credential of an upstream link' && l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.reason).toMatch(/CONNACK return code 5/);

    await t.api.devices.update({ ...(await t.api.devices.get(EDGE_ID)), status: 'enabled' });
    await eventually(() => hub?.status().online === true, { description: 'the probe to reconnect after the device is enabled', timeoutMs: 20_000 });
  });
});
