// Health, readiness and the graceful drain of one instance (docs/scale-out/nats-bus.md): `/health/live` and `/health/ready`
// answer anonymously with outcomes only; at stop the instance refuses new device connections while the connected
// ones stay, a request in flight (a direct method the device is still answering) finishes, every publish the endpoint
// read is stored and PUBACKed before the device is disconnected, and nothing is stored that was not acknowledged.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { MqttProbe, sasCredentials } from '@verge/testkit/mqtt';

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('health endpoints', () => {
  it('/health/live and /health/ready answer anonymously with outcomes only', async () => {
    t = await startTestCloud();
    const live = await fetch(`${t.cloud.urls.http}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.cloud.urls.http}/health/ready`);
    expect(ready.status).toBe(200);
    // Exactly these fields: no address, port, version, error text or record (the route needs no credentials). The
    // cloud's own Azurite starts on the first file upload: readiness does not start it.
    expect(await ready.json()).toEqual({ ready: true, status: 'ok', checks: { store: 'ok', bus: 'notConfigured', blobStore: 'notStarted', listeners: 'ok', draining: false } });
  });
});

describe('graceful drain at stop', () => {
  it('refuses new devices, finishes a method in flight, and stores exactly the publishes it acknowledged', async () => {
    t = await startTestCloud();
    const cloud = t;
    const key = await cloud.createDevice('drain-dev');
    const target = { port: cloud.mqttPort, ca: cloud.caPem };
    const probe = await MqttProbe.accepted(target, sasCredentials({ host: cloud.hostName, clientId: 'drain-dev', key }));
    expect(await probe.subscribe('$iothub/methods/POST/#')).toBe(1);

    // A direct method the device has received but not answered yet: a service request in flight at stop.
    const method = cloud.rest('POST', '/twins/drain-dev/methods', { methodName: 'slow', payload: {}, responseTimeoutInSeconds: 30 });
    const request = await probe.nextMessage((topic) => topic.startsWith('$iothub/methods/POST/slow/'), 10_000);
    if (request === undefined) throw new Error('the method request never reached the device');
    const rid = /\$rid=([^&]+)/.exec(request.topic)?.[1] ?? '';

    // A burst of telemetry written at once; stop begins while the endpoint is still reading and storing it.
    const sent = 300;
    for (let seq = 1; seq <= sent; seq++) {
      probe.send({ cmd: 'publish', topic: 'devices/drain-dev/messages/events/', payload: Buffer.from(JSON.stringify({ seq })), qos: 1, messageId: seq, dup: false, retain: false });
    }
    const stopping = cloud.cloud.stop();

    // Draining: a new device connection is refused while the connected device is still served.
    await eventually(async () => MqttProbe.open(target).then((p) => (p.end(), false), () => true), { timeoutMs: 10_000, description: 'new MQTT connections refused' });
    expect(probe.closed).toBe(false);

    // The device answers; the service request in flight gets that answer, not a shutdown error.
    probe.send({ cmd: 'publish', topic: `$iothub/methods/res/200/?$rid=${rid}`, payload: Buffer.from('{"done":true}'), qos: 0, dup: false, retain: false });
    const answer = await method;
    expect(answer).toEqual({ status: 200, body: { status: 200, payload: { done: true } } });

    await stopping;
    expect(await probe.waitClosed(10_000)).toBe(true);
    const acked = new Set(probe.packets.filter((p) => p.cmd === 'puback').map((p) => (p as { messageId?: number }).messageId));

    await cloud.resume();
    const stored = (await cloud.messages('&deviceId=drain-dev')).map((m) => (JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as { seq: number }).seq);
    // Every acknowledged publish is stored once, and nothing is stored that the device was not told about (it would
    // send it again elsewhere: a duplicate). Publishes never read are neither: the device resends them.
    expect(stored.length).toBe(new Set(stored).size);
    expect([...stored].sort((x, y) => x - y)).toEqual([...acked].sort((x, y) => (x ?? 0) - (y ?? 0)));
    expect(acked.size).toBeGreaterThan(0);
  });

  it('answers every publish it read before disconnecting a device that is sending at full speed', async () => {
    t = await startTestCloud();
    const cloud = t;
    const key = await cloud.createDevice('burst-dev');
    const probe = await MqttProbe.accepted({ port: cloud.mqttPort, ca: cloud.caPem }, sasCredentials({ host: cloud.hostName, clientId: 'burst-dev', key }));
    // A burst far larger than the endpoint reads before the stop below, so the drain meets a device mid-burst.
    const sent = 20_000;
    for (let seq = 1; seq <= sent; seq++) {
      probe.send({ cmd: 'publish', topic: 'devices/burst-dev/messages/events/', payload: Buffer.from(JSON.stringify({ seq })), qos: 1, messageId: (seq % 65_535) + 1, dup: false, retain: false });
    }
    // Stop once the endpoint is storing the burst (the first PUBACK is back), while most of it is still unread.
    await eventually(() => probe.packets.some((p) => p.cmd === 'puback'), { timeoutMs: 10_000, description: 'the first PUBACK' });
    await cloud.cloud.stop();
    expect(await probe.waitClosed(10_000)).toBe(true);
    const acked = probe.packets.filter((p) => p.cmd === 'puback').length;

    await cloud.resume();
    const stored = await allStoredSeqs(cloud, 'burst-dev');
    expect(stored.length).toBe(new Set(stored).size);
    expect(acked).toBeLessThan(sent); // the scenario: the stop met the device mid-burst
    // PUBACKs go out in publish order, so the acknowledged publishes are exactly the first `acked` of the burst.
    expect([...stored].sort((x, y) => x - y)).toEqual(Array.from({ length: acked }, (_, i) => i + 1));
  });
});

/** Every stored message's `seq` of one device, paging back through `GET /messages` (1000 a page). */
async function allStoredSeqs(cloud: TestCloud, deviceId: string): Promise<number[]> {
  const seqs: number[] = [];
  let before = '';
  for (;;) {
    const page = await cloud.messages(`&deviceId=${deviceId}${before}`);
    if (page.length === 0) return seqs;
    for (const m of page) seqs.push((JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as { seq: number }).seq);
    before = `&before=${Math.min(...page.map((m) => m.sequenceNumber))}`;
  }
}
