import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_ID, HubFixture, eventually } from '../hub-support/hub-fixture.js';
import { RawClient, connectPacket, moduleToken } from '../hub-support/raw-client.js';

describe('edge hub: a full message store refuses publishes without PUBACK', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.startHub({ options: { ...f.deps().options, maxStoreBytes: 4096 } });
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), 10_000, 'routes');
    await f.cloud.pause(); // nothing drains: the store fills
    await eventually(() => (f.hub?.status().online === false ? true : undefined), 10_000, 'offline');
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('acknowledges what fits, refuses the first message that does not (no PUBACK, connection closed), and stores nothing of it', async () => {
    const c = await RawClient.open(f.hubPort, f.edgeCa.certificatePem);
    c.send(connectPacket(f.cloud.hostName, `${EDGE_ID}/modA`, moduleToken(f.cloud.hostName, EDGE_ID, 'modA', f.moduleKeys.get('modA') ?? '')));
    await eventually(() => c.packets.find((p) => p.cmd === 'connack'), 5_000, 'CONNACK');
    for (let i = 1; i <= 6; i++) {
      c.send({ cmd: 'publish', topic: `devices/${EDGE_ID}/modules/modA/messages/events/%24.on=up/`, payload: Buffer.alloc(1000, i), qos: 1, messageId: i, dup: false, retain: false });
    }
    await c.waitClosed();
    const acked = c.packets.filter((p) => p.cmd === 'puback').map((p) => (p as { messageId: number }).messageId);
    expect(acked).toEqual([1, 2, 3]); // 3 × 1057 bytes (body + properties) fit in 4096; the 4th does not
    const status = f.hub?.status();
    expect(status?.counters.stored).toBe(3);
    expect(status?.counters.refusedStoreFull).toBeGreaterThanOrEqual(1);
  });
});
