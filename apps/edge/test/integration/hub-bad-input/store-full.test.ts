import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { EDGE_ID, HubFixture } from '../hub-support/hub-fixture.js';
import { MqttProbe, connectPacket, sasCredentials } from '@verge/testkit/mqtt';

describe('edge hub: a full message store refuses publishes without PUBACK', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.startHub({ options: { ...f.deps().options, maxStoreBytes: 4096 } });
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), { description: 'routes', timeoutMs: 10_000 });
    await f.cloud.pause(); // nothing drains: the store fills
    await eventually(() => (f.hub?.status().online === false ? true : undefined), { description: 'offline', timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('acknowledges what fits, refuses the first message that does not (no PUBACK, connection closed), and stores nothing of it', async () => {
    const c = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    c.send(connectPacket(sasCredentials({ host: f.cloud.hostName, clientId: `${EDGE_ID}/modA`, key: f.moduleKeys.get('modA') ?? '' })));
    await eventually(() => c.packets.find((p) => p.cmd === 'connack'), { description: 'CONNACK', timeoutMs: 5_000 });
    for (let i = 1; i <= 6; i++) {
      c.send({ cmd: 'publish', topic: `devices/${EDGE_ID}/modules/modA/messages/events/%24.on=up/`, payload: Buffer.alloc(1000, i), qos: 1, messageId: i, dup: false, retain: false });
    }
    expect(await c.waitClosed()).toBe(true);
    const acked = c.packets.filter((p) => p.cmd === 'puback').map((p) => (p as { messageId: number }).messageId);
    expect(acked).toEqual([1, 2, 3]); // 3 × 1057 bytes (body + properties) fit in 4096; the 4th does not
    const status = f.hub?.status();
    expect(status?.counters.stored).toBe(3);
    expect(status?.counters.refusedStoreFull).toBeGreaterThanOrEqual(1);
  });
});
