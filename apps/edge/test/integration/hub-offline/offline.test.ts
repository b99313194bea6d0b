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

function updateReported(twin: Twin, patch: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    (twin.properties.reported as unknown as { update(p: unknown, cb: (err?: Error) => void): void }).update(patch, (err) => (err ? reject(err) : resolve()));
  });
}

const N = 30;

describe('edge hub offline (cloud stopped) and back', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.cloud.patchModuleDesired(EDGE_ID, 'modA', { mode: 'online-set' });
    await f.startHub();
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), { description: 'routes', timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('keeps routing between modules, stores upstream messages, serves twins, and drains in order when the cloud returns', async () => {
    const a = await f.module('modA');
    const b = await f.module('modB');
    const inputs: string[] = [];
    b.on('inputMessage', (_input: string, m: SdkMessage) => {
      inputs.push(m.getData().toString());
      b.complete(m, () => undefined);
    });
    const twinOnline = await getTwin(a); // cached by the hub
    expect(twinOnline.properties.desired['mode']).toBe('online-set');
    await f.subscribed(`${EDGE_ID}/modB`, `devices/${EDGE_ID}/modules/modB/inputs/`);

    await f.cloud.pause();
    await eventually(() => (f.hub?.status().online === false ? true : undefined), { description: 'the hub noticing the cloud is gone', timeoutMs: 10_000 });

    // Module to module keeps working; upstream messages of two senders are stored.
    const leaf = await f.leaf(); // authenticated offline from the cached device scope
    for (let i = 0; i < N; i++) {
      await sendOutput(a, 'out1', `toB-${i}`);
      await sendOutput(a, 'up', `a-${i}`);
      await new Promise<void>((resolve, reject) => leaf.sendEvent(new Message(`leaf-${i}`), (err) => (err ? reject(err) : resolve())));
    }
    await eventually(() => (inputs.length === N ? true : undefined), { description: 'all module-to-module messages while offline', timeoutMs: 10_000 });
    expect(inputs).toEqual(Array.from({ length: N }, (_, i) => `toB-${i}`));

    // Twins while offline: GET from the cache, reported patches answered locally.
    const twinOffline = await getTwin(a);
    expect(twinOffline.properties.desired['mode']).toBe('online-set');
    await updateReported(twinOffline, { offlineNote: 'written offline' });

    await f.cloud.resume();
    const back = Date.now();
    const fromA = await eventually(async () => {
      const got = await f.cloud.messages(`&deviceId=${EDGE_ID}&moduleId=modA`);
      return got.length >= N ? got : undefined;
    }, { description: 'the stored messages of modA in the cloud', timeoutMs: 15_000 });
    const drainMs = Date.now() - back;
    expect(fromA.map((m) => text(m.body))).toEqual(Array.from({ length: N }, (_, i) => `a-${i}`));
    const fromLeaf = await eventually(async () => {
      const got = await f.cloud.messages('&deviceId=leaf1');
      return got.length >= N ? got : undefined;
    }, { description: 'the stored messages of the leaf in the cloud', timeoutMs: 15_000 });
    expect(fromLeaf.map((m) => text(m.body))).toEqual(Array.from({ length: N }, (_, i) => `leaf-${i}`));
    // The probe redials every second and kicks the other links: the backlog drains in about a second, not after a 60 s backoff.
    expect(drainMs).toBeLessThan(5_000);

    await eventually(async () => ((await f.cloud.moduleTwin(EDGE_ID, 'modA')).properties.reported['offlineNote'] === 'written offline' ? true : undefined), { description: 'the offline reported patch in the cloud', timeoutMs: 10_000 });
  });
});
