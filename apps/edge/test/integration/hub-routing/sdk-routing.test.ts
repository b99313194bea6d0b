import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message as SdkMessage } from 'azure-iot-device';
import { eventually } from '@verge/testkit';
import { EDGE_ID, HubFixture, Message, text } from '../hub-support/hub-fixture.js';

/** Sends with the SDK's callback API as a promise. */
function sendOutput(client: { sendOutputEvent(o: string, m: SdkMessage, cb: (err?: Error) => void): void }, output: string, m: SdkMessage): Promise<void> {
  return new Promise((resolve, reject) => client.sendOutputEvent(output, m, (err) => (err ? reject(err) : resolve())));
}

describe('edge hub with the Azure SDK and a real cloud', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.startHub();
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), { description: 'routes from the $edgeHub twin', timeoutMs: 10_000 });
  });

  afterEach(async () => {
    await f?.closeClients(); // one SDK client per identity at a time: two would take the session from each other
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('routes a module output to another module input, with $.cdid/$.cmid and a trailing / after the input name', async () => {
    const a = await f.module('modA');
    const b = await f.module('modB');
    const got: { input: string; body: string; props: Record<string, string | undefined> }[] = [];
    b.on('inputMessage', (input: string, m: SdkMessage) => {
      got.push({ input, body: m.getData().toString(), props: { cdid: m.properties.getValue('$.cdid') as string, cmid: m.properties.getValue('$.cmid') as string, app: m.properties.getValue('k') as string } });
      b.complete(m, () => undefined);
    });
    await f.subscribed(`${EDGE_ID}/modB`, `devices/${EDGE_ID}/modules/modB/inputs/`); // the SDK subscribes lazily
    const m = new Message('hello B');
    m.properties.add('k', 'v 1&2');
    m.messageId = 'mid-1';
    await sendOutput(a, 'out1', m);
    const first = await eventually(() => got[0], { description: 'input message at modB', timeoutMs: 10_000 });
    expect(first).toEqual({ input: 'in1', body: 'hello B', props: { cdid: EDGE_ID, cmid: 'modA', app: 'v 1&2' } });
  });

  it('sends $upstream messages to the cloud as the sending module', async () => {
    const b = await f.module('modB');
    await sendOutput(b, 'result', new Message(JSON.stringify({ n: 1 })));
    const msg = await eventually(async () => (await f.cloud.messages(`&deviceId=${EDGE_ID}&moduleId=modB`)).find((x) => text(x.body).includes('"n":1')), { description: 'message in the cloud', timeoutMs: 10_000 });
    expect(msg.deviceId).toBe(EDGE_ID);
    expect(msg.moduleId).toBe('modB');
  });

  it('forwards a leaf device\'s telemetry to the cloud as the leaf', async () => {
    const leaf = await f.leaf();
    const m = new Message('from the leaf');
    await new Promise<void>((resolve, reject) => leaf.sendEvent(m, (err) => (err ? reject(err) : resolve())));
    const msg = await eventually(async () => (await f.cloud.messages('&deviceId=leaf1')).find((x) => text(x.body) === 'from the leaf'), { description: 'leaf message in the cloud', timeoutMs: 10_000 });
    expect(msg.moduleId).toBeUndefined();
  });

  it('delivers cloud-to-device messages to a leaf through the hub', async () => {
    const leaf = await f.leaf();
    const got: { body: string; prop: unknown }[] = [];
    leaf.on('message', (m: SdkMessage) => {
      got.push({ body: m.getData().toString(), prop: m.properties.getValue('color') });
      leaf.complete(m, () => undefined);
    });
    // The SDK subscribes lazily; the hub then listens upstream as the leaf.
    await f.subscribed('leaf1', 'devices/leaf1/messages/devicebound/');
    await f.cloud.subscribed('leaf1', 'devices/leaf1/messages/devicebound/');
    await f.cloud.sendC2d('leaf1', 'to the leaf', { color: 'blue' });
    expect(await eventually(() => got[0], { description: 'C2D at the leaf', timeoutMs: 10_000 })).toEqual({ body: 'to the leaf', prop: 'blue' });
  });

  it('refuses a bad route set as a whole (400 with the fault path in lastDesiredStatus) and keeps the old routes', async () => {
    await f.cloud.patchModuleDesired(EDGE_ID, '$edgeHub', { routes: { broken: 'FROM /messages/* INTO nowhere' } });
    const status = await eventually(async () => {
      const reported = (await f.cloud.moduleTwin(EDGE_ID, '$edgeHub')).properties.reported as { lastDesiredStatus?: { code: number; description: string } };
      return reported.lastDesiredStatus?.code === 400 ? reported.lastDesiredStatus : undefined;
    }, { description: 'lastDesiredStatus 400', timeoutMs: 10_000 });
    expect(status.description).toContain('$edgeHub.properties.desired.routes.broken');
    expect(f.hub?.status().routes).toBe(4);
    const a = await f.module('modA');
    const b = await f.module('modB');
    const got: string[] = [];
    b.on('inputMessage', (_i: string, m: SdkMessage) => {
      got.push(m.getData().toString());
      b.complete(m, () => undefined);
    });
    await f.subscribed(`${EDGE_ID}/modB`, `devices/${EDGE_ID}/modules/modB/inputs/`);
    await sendOutput(a, 'out1', new Message('old routes still serve'));
    await eventually(() => (got.includes('old routes still serve') ? true : undefined), { description: 'message by the old routes', timeoutMs: 10_000 });
    // Fixing the set applies it and reports 200.
    await f.cloud.patchModuleDesired(EDGE_ID, '$edgeHub', { routes: { broken: null } });
    await eventually(async () => {
      const reported = (await f.cloud.moduleTwin(EDGE_ID, '$edgeHub')).properties.reported as { lastDesiredStatus?: { code: number } };
      return reported.lastDesiredStatus?.code === 200 ? true : undefined;
    }, { description: 'lastDesiredStatus 200', timeoutMs: 10_000 });
  });
});
