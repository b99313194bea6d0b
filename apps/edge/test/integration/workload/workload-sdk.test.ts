import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import { deriveModuleKey, verifySasToken } from '@verge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkloadServer } from '../../../src/workload/index.js';
import { testContext } from '../../unit/workload/fixture.js';
import { DEVICE_KEY } from '../../unit/workload/fixture.js';
import { silentLog } from '@verge/testkit';

// The unmodified Azure IoT SDK for Node against the workload API: IotEdgeAuthenticationProvider (what
// ModuleClient.fromEnvironment builds) over the shared unix socket, a module's own socket and loopback TCP
// (azure-sdk-protocol.md §7), and ModuleClient.fromEnvironment(Mqtt) itself.

const HUB = 'hub.local';
const DEVICE = 'edge1';
const log = silentLog();

interface Provider {
  getDeviceCredentials(): Promise<{ sharedAccessSignature?: string }>;
  getTrustBundle(callback: (err?: Error | null, ca?: string) => void): void;
  stop(): void;
}

function provider(workloadUri: string, moduleId: string, generationId: string): Provider {
  const { IotEdgeAuthenticationProvider } = deviceSdk as unknown as { IotEdgeAuthenticationProvider: new (config: object) => Provider };
  return new IotEdgeAuthenticationProvider({ workloadUri, deviceId: DEVICE, moduleId, generationId, iothubHostName: HUB, gatewayHostName: 'gw.local' });
}

async function tokenFrom(p: Provider): Promise<string> {
  try {
    const credentials = await p.getDeviceCredentials();
    return credentials.sharedAccessSignature ?? '';
  } finally {
    p.stop(); // the provider schedules token renewal
  }
}

function expectValidModuleToken(token: string, moduleId: string, generationId: string): void {
  const result = verifySasToken(token, {
    keys: [deriveModuleKey(DEVICE_KEY, moduleId, generationId, 'primary')],
    audiences: [`${HUB}/devices/${DEVICE}/modules/${moduleId}`],
    nowSec: Math.floor(Date.now() / 1000),
  });
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true, keyIndex: 0 });
}

describe('workload API with the Azure IoT SDK', () => {
  let dir: string;
  let unix: WorkloadServer;
  let tcp: WorkloadServer;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/vw-');
    // The SDK signs tokens for "now"; the context's clock only matters for certificates.
    const context = await testContext({ nowMs: Date.now });
    bundle = context.trustBundlePem();
    unix = await WorkloadServer.start({ uri: `unix://${join(dir, 'workload.sock')}`, moduleSocketsDir: join(dir, 'mnt'), context, log });
    tcp = await WorkloadServer.start({ uri: 'http://127.0.0.1:0', context, log });
  });

  afterAll(async () => {
    await unix?.close();
    await tcp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs SAS tokens the hub accepts, over the shared unix socket', async () => {
    expectValidModuleToken(await tokenFrom(provider(unix.uri, 'modA', 'gen-a')), 'modA', 'gen-a');
  });

  it('over loopback TCP (with the actual port of :0)', async () => {
    expect(tcp.uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tcp.uri).not.toBe('http://127.0.0.1:0');
    expectValidModuleToken(await tokenFrom(provider(tcp.uri, 'modA', 'gen-a')), 'modA', 'gen-a');
    // No unix socket, so nothing to mount: every module gets the TCP URI.
    expect(await tcp.ensure('modA')).toBeUndefined();
    expect(tcp.moduleWorkloadUri('modA', 'docker')).toBe(tcp.uri);
    expect(tcp.moduleWorkloadUri('modA', 'process')).toBe(tcp.uri);
  });

  it("over the module's own socket, which refuses to sign for another module (403)", async () => {
    await unix.ensure('modA');
    await unix.ensure('mod:b');
    const own = unix.moduleWorkloadUri('modA', 'process');
    expect(own).toBe(`unix://${join(dir, 'mnt', 'modA', 'workload.sock')}`);
    expect((await stat(own.slice('unix://'.length))).mode & 0o777).toBe(0o666);
    expect((await stat(join(dir, 'mnt'))).mode & 0o777).toBe(0o700);
    expectValidModuleToken(await tokenFrom(provider(own, 'modA', 'gen-a')), 'modA', 'gen-a');
    const other = unix.moduleWorkloadUri('mod:b', 'process');
    await expect(tokenFrom(provider(other, 'modA', 'gen-a'))).rejects.toMatchObject({ response: { statusCode: 403 } });
    expectValidModuleToken(await tokenFrom(provider(other, 'mod:b', 'gen-b')), 'mod:b', 'gen-b');
  });

  it('an unknown module or a stale generation id gets no token', async () => {
    await expect(tokenFrom(provider(unix.uri, 'nobody', 'g'))).rejects.toMatchObject({ response: { statusCode: 404 } });
    await expect(tokenFrom(provider(unix.uri, 'modA', 'stale'))).rejects.toMatchObject({ response: { statusCode: 404 } });
  });

  it("GET /trust-bundle through the SDK's own code path, over unix and TCP", async () => {
    for (const uri of [unix.uri, tcp.uri]) {
      const p = provider(uri, 'modA', 'gen-a');
      const ca = await new Promise<string | undefined>((resolve, reject) => p.getTrustBundle((err, value) => (err ? reject(err) : resolve(value))));
      p.stop();
      expect(ca).toBe(bundle);
    }
  });

  it('ModuleClient.fromEnvironment(Mqtt) fetches the trust bundle and its provider signs through the workload API', async () => {
    const env = {
      IOTEDGE_WORKLOADURI: unix.moduleWorkloadUri('modA', 'process'),
      IOTEDGE_DEVICEID: DEVICE,
      IOTEDGE_MODULEID: 'modA',
      IOTEDGE_IOTHUBHOSTNAME: HUB,
      IOTEDGE_AUTHSCHEME: 'sasToken',
      IOTEDGE_MODULEGENERATIONID: 'gen-a',
      IOTEDGE_GATEWAYHOSTNAME: 'gw.local',
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const client = await deviceSdk.ModuleClient.fromEnvironment(mqttTransport.Mqtt);
      // The provider fromEnvironment built (SDK internals, read only to check what it signs with).
      const auth = (client as unknown as { _transport: { _authenticationProvider: Provider } })._transport._authenticationProvider;
      expectValidModuleToken(await tokenFrom(auth), 'modA', 'gen-a');
      await client.close();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
