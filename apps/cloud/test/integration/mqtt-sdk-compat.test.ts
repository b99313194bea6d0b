import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, issueClientCert } from '@verge/platform';
import { FakeServices, PRIMARY_KEY, sasIdentity } from './mqtt-support/fake-services.js';
import { eventually } from '@verge/testkit';
import { HUB, makeTls, startHarness } from './mqtt-support/endpoint-harness.js';
import type { Harness } from './mqtt-support/endpoint-harness.js';
import { Message, SdkClients, deviceConnectionString, moduleConnectionString, nextDesired, updateReported } from './sdk-support/sdk-clients.js';

// The unmodified Azure IoT device SDK against the endpoint over fake services: protocol compatibility in
// isolation from the cloud's storage (the end-to-end runs against `startCloud` are the sdk-*.test.ts files).

let tls: Awaited<ReturnType<typeof makeTls>>;
let h: Harness | undefined;
const sdk = new SdkClients();
beforeAll(async () => {
  tls = await makeTls();
});
afterEach(async () => {
  await sdk.closeAll();
  await h?.stop();
  h = undefined;
});

async function setup(): Promise<Harness> {
  // Persistent sessions: their stored subscriptions tell when the SDK has subscribed (it subscribes lazily).
  const services = new FakeServices({ persistSessions: true });
  services.addIdentity(sasIdentity('d1'));
  services.addIdentity(sasIdentity('edge1', 'mod1'));
  return startHarness({ tls, services });
}

/** Waits until `clientId`'s session holds a subscription starting with `prefix`. */
async function subscribed(harness: Harness, clientId: string, prefix: string): Promise<void> {
  const filters = (): string[] => harness.services.storedSessions.get(clientId)?.subscriptions.map((s) => s.filter) ?? [];
  await eventually(() => filters().some((f) => f.startsWith(prefix)), { description: `${clientId} to subscribe to ${prefix}…` });
}

const cs = (port: number) => deviceConnectionString({ hostName: HUB, deviceId: 'd1', key: PRIMARY_KEY, port });

describe('Azure IoT device SDK against the device endpoint', () => {
  it('sends telemetry, reads and patches its twin, receives desired patches, answers methods, receives C2D', async () => {
    h = await setup();
    const client = await sdk.device(cs(h.port), { ca: tls.ca });
    await client.open();
    const msg = new Message('{"temp":22}');
    msg.messageId = 'abc';
    msg.properties.add('level', 'info');
    await client.sendEvent(msg);
    expect(h.services.telemetry[0]?.systemProperties).toMatchObject({ messageId: 'abc', connectionDeviceId: 'd1' });
    expect(h.services.telemetry[0]?.properties).toEqual({ level: 'info' });

    const twin = await client.getTwin();
    expect(twin.properties.desired.$version).toBe(1);
    await updateReported(twin, { firmware: '1.0' });
    expect(h.services.twins.get('d1')?.reported).toMatchObject({ firmware: '1.0' });
    const desired = nextDesired(twin, 'interval');
    await eventually(() => h!.endpoint.stats().connected === 1);
    await subscribed(h, 'd1', '$iothub/twin/PATCH/properties/desired/'); // sent lazily by twin.on
    h.services.patchDesired({ deviceId: 'd1' }, { interval: 5 });
    expect(await desired).toMatchObject({ interval: 5, $version: 2 });

    client.onDeviceMethod('reboot', (req, res) => {
      void res.send(200, { delayed: (req.payload as { delay: number }).delay });
    });
    await eventually(() => h!.endpoint.gateway.isConnected({ deviceId: 'd1' }));
    await subscribed(h, 'd1', '$iothub/methods/POST/');
    expect(await h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'reboot', { delay: 3 }, 5000)).toEqual({ status: 200, payload: { delayed: 3 } });

    const received = new Promise<{ data: string; mid: string; props: string | undefined }>((resolve) =>
      client.on('message', (m: InstanceType<typeof Message>) => {
        void client.complete(m);
        resolve({ data: m.getData().toString(), mid: m.messageId, props: m.properties.getValue('k') as string | undefined });
      }),
    );
    h.services.enqueueC2d('d1', { body: Buffer.from('to-device'), properties: { k: 'v' }, systemProperties: { messageId: 'c1' } });
    expect(await received).toEqual({ data: 'to-device', mid: 'c1', props: 'v' });
    await eventually(() => h!.services.completed.length === 1);
  });

  it('keeps twin and methods working across SAS token renewal (no re-subscribe)', async () => {
    h = await setup();
    const client = await sdk.device(cs(h.port), { ca: tls.ca, tokenRenewal: { tokenValidTimeInSeconds: 6, tokenRenewalMarginInSeconds: 4 } });
    await client.open();
    const twin = await client.getTwin();
    client.onDeviceMethod('ping', (_req, res) => void res.send(200, 'pong'));
    await subscribed(h, 'd1', '$iothub/methods/POST/');
    // At least two renewals (every ~2 s): each is a DISCONNECT and a CONNECT with a new token.
    await eventually(() => h!.services.connectionEvents.filter((e) => e.connected).length >= 3, { description: 'two token renewals', timeoutMs: 20_000 });
    await updateReported(twin, { afterRenewal: true });
    expect(await h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'ping', null, 5000)).toEqual({ status: 200, payload: 'pong' });
    const fresh = await client.getTwin();
    expect(fresh.properties.reported['afterRenewal']).toBe(true);
  }, 30_000);

  it('connects a module client and an X.509 device', async () => {
    h = await setup();
    const mod = await sdk.module(moduleConnectionString({ hostName: HUB, deviceId: 'edge1', moduleId: 'mod1', key: PRIMARY_KEY, port: h.port }), { ca: tls.ca });
    await mod.open();
    await mod.sendEvent(new Message('from-module'));
    expect(h.services.telemetry[0]?.systemProperties).toMatchObject({ connectionDeviceId: 'edge1', connectionModuleId: 'mod1' });

    const cert = await issueClientCert({ commonName: 'x1', validityDays: 1 });
    h.services.addIdentity({
      deviceId: 'x1',
      status: 'enabled',
      authentication: { type: 'selfSigned', primaryThumbprint: certificateThumbprint(cert.certificatePem).sha1, secondaryThumbprint: '' },
      isEdge: false,
    });
    const x = await sdk.device(deviceConnectionString({ hostName: HUB, deviceId: 'x1', port: h.port, x509: true }), {
      ca: tls.ca,
      cert: cert.certificatePem,
      key: cert.privateKeyPem,
    });
    await x.open();
    const twin = await x.getTwin();
    await updateReported(twin, { x509: true });
    expect(h.services.twins.get('x1')?.reported).toMatchObject({ x509: true });
  });

  it('refuses a disabled device', async () => {
    h = await setup();
    h.services.addIdentity(sasIdentity('off', undefined, 'disabled'));
    const client = await sdk.device(deviceConnectionString({ hostName: HUB, deviceId: 'off', key: PRIMARY_KEY, port: h.port }), { ca: tls.ca });
    await expect(client.open()).rejects.toThrow(/Not authorized/);
  });
});
