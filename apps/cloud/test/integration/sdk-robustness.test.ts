import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken, deviceResource } from '@verge/core';
import { Message, SdkClients, deviceConnectionString } from './sdk-support/sdk-clients.js';
import type { DeviceClient } from './sdk-support/sdk-clients.js';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// Bad input against a real cloud while an SDK device keeps working: garbage bytes, oversized messages,
// a CONNECT flood. The cloud process must not crash and must not lose what it accepted.

let cloud: TestCloud;
let bystander: DeviceClient;
const sdk = new SdkClients();
beforeAll(async () => {
  cloud = await startTestCloud();
  const key = await cloud.createDevice('steady');
  bystander = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId: 'steady', key, port: cloud.mqttPort }), { ca: cloud.caPem });
  await bystander.open();
});
afterEach(async () => {
  await bystander.sendEvent(new Message('still alive')); // the bystander is unaffected after every test
});
afterAll(async () => {
  await sdk.closeAll();
  await cloud.stop();
});

async function closed(socket: { once(e: 'close', l: () => void): unknown }): Promise<void> {
  await new Promise<void>((r) => socket.once('close', () => r()));
}

describe('cloud device endpoint under bad input', () => {
  it('closes connections sending garbage, before and after TLS', async () => {
    const plain = netConnect({ host: '127.0.0.1', port: cloud.mqttPort });
    plain.on('error', () => undefined);
    plain.write(Buffer.alloc(4096, 0xab));
    await closed(plain);
    const tls = tlsConnect({ host: '127.0.0.1', port: cloud.mqttPort, ca: cloud.caPem, servername: 'localhost' });
    tls.on('error', () => undefined);
    await new Promise((r) => tls.once('secureConnect', r));
    tls.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]));
    await closed(tls);
  });

  it('refuses a telemetry message over 256 KiB by closing that client, keeping what it accepted before', async () => {
    const key = await cloud.createDevice('big');
    const token = createSasToken({ resource: deviceResource('localhost', 'big'), key, expirySec: Math.floor(Date.now() / 1000) + 600 });
    const client = await mqtt.connectAsync(`mqtts://localhost:${cloud.mqttPort}`, {
      ca: cloud.caPem,
      clientId: 'big',
      username: 'localhost/big/?api-version=2021-04-12',
      password: token,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 0,
    });
    await client.publishAsync('devices/big/messages/events/%24.mid=small', Buffer.alloc(1000), { qos: 1 });
    const gone = new Promise<void>((r) => client.once('close', () => r()));
    client.publish('devices/big/messages/events/%24.mid=huge', Buffer.alloc(256 * 1024 + 10), { qos: 1 }, () => undefined);
    await gone;
    await client.endAsync(true);
    const page = await cloud.rest('GET', '/messages?deviceId=big');
    expect((page.body as { systemProperties: Record<string, string> }[]).map((m) => m.systemProperties['messageId'])).toEqual(['small']);
  });

  it('survives a flood of TCP connections that never speak (more than the 512 pending handshakes allowed)', async () => {
    const settled: Promise<unknown>[] = [];
    const sockets = Array.from({ length: 700 }, () => {
      const s = netConnect({ host: '127.0.0.1', port: cloud.mqttPort });
      s.on('error', () => undefined);
      // Connected (the flood is on), or already refused or closed by the server's handshake bound.
      settled.push(new Promise((r) => ['connect', 'close'].forEach((e) => s.once(e, r))));
      return s;
    });
    await Promise.all(settled);
    await bystander.sendEvent(new Message('during the flood'));
    for (const s of sockets) s.destroy();
    expect((await cloud.rest('GET', '/healthz')).status).toBe(200);
  });
});
