import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message as SdkMessage, Twin } from 'azure-iot-device';
import { eventually } from '@verge/testkit';
import { EDGE_ID, HubFixture, Message, text } from '../hub-support/hub-fixture.js';

function sendOutput(client: { sendOutputEvent(o: string, m: SdkMessage, cb: (err?: Error) => void): void }, output: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => client.sendOutputEvent(output, new Message(body), (err) => (err ? reject(err) : resolve())));
}

function getTwin(client: { getTwin(cb: (err?: Error, twin?: Twin) => void): void }): Promise<Twin> {
  return new Promise((resolve, reject) => client.getTwin((err, twin) => (err || twin === undefined ? reject(err ?? new Error('no twin')) : resolve(twin))));
}

describe('edge hub restart', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.startHub();
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), { description: 'routes', timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('keeps sessions, stored messages and routes across a restart, and sends a synthetic desired patch for changes made meanwhile', async () => {
    const a = await f.module('modA');
    const b = await f.module('modB');
    const twin = await getTwin(b);
    const desired: Record<string, unknown>[] = [];
    twin.on('properties.desired', (d: Record<string, unknown>) => desired.push(d));
    const inputs: string[] = [];
    b.on('inputMessage', (_i: string, m: SdkMessage) => {
      inputs.push(m.getData().toString());
      b.complete(m, () => undefined);
    });
    await f.subscribed(`${EDGE_ID}/modB`, `devices/${EDGE_ID}/modules/modB/inputs/`);
    await f.subscribed(`${EDGE_ID}/modB`, '$iothub/twin/PATCH/properties/desired/');

    // Offline: messages for upstream are stored; then the hub restarts while the cloud is still down.
    await f.cloud.pause();
    await eventually(() => (f.hub?.status().online === false ? true : undefined), { description: 'offline', timeoutMs: 10_000 });
    for (let i = 0; i < 10; i++) await sendOutput(a, 'up', `stored-${i}`);
    await f.stopHub();
    await f.startHub(); // same port, same data: routes come from the saved $edgeHub desired properties
    expect(f.hub?.status().routes).toBe(4);

    // modB (it listens) reconnects on its own; its subscriptions come from the hub's database (the SDK does not
    // resubscribe). modA (it only sends) reconnects on its next send.
    await eventually(() => (f.hub?.status().connectedClients === 1 ? true : undefined), { description: 'modB reconnected', timeoutMs: 30_000 });
    await sendOutput(a, 'out1', 'after-restart');
    await eventually(() => (inputs.includes('after-restart') ? true : undefined), { description: 'input delivered after the restart', timeoutMs: 10_000 });

    await f.cloud.resume();
    await f.cloud.patchModuleDesired(EDGE_ID, 'modB', { afterRestart: true });
    const fromA = await eventually(async () => {
      const got = await f.cloud.messages(`&deviceId=${EDGE_ID}&moduleId=modA`);
      return got.length >= 10 ? got : undefined;
    }, { description: 'stored messages after the restart', timeoutMs: 15_000 });
    expect(fromA.map((m) => text(m.body))).toEqual(Array.from({ length: 10 }, (_, i) => `stored-${i}`));
    await eventually(() => desired.find((d) => d['afterRestart'] === true), { description: 'the desired patch at modB', timeoutMs: 15_000 });
  });
});
