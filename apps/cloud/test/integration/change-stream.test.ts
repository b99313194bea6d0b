import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { ChangeEventDto } from '@verge/contracts';
import { createServiceSasToken } from '@verge/core';
import { openSse, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { TEST_HOST, createTestApi } from '../helpers/fixtures.js';

// GET /events/changes over real HTTP: what the dashboard reloads on (apps/cloud/src/http/change-feed.ts).

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud(undefined, {}, { eventStream: { heartbeatMs: 100 } });
});
afterAll(async () => {
  await t?.stop();
});

async function follow(): Promise<{ events: ChangeEventDto[] }> {
  const s = await openSse<ChangeEventDto>(`${t.cloud.urls.http}/events/changes`, t.serviceToken(), 'change');
  onTestFinished(() => s.stop());
  return { events: s.messages };
}

const of = (events: readonly ChangeEventDto[], kind: ChangeEventDto['kind']) => events.filter((e) => e.kind === kind);

describe('GET /events/changes (Server-Sent Events)', () => {
  it('refuses a request without a token, and one with a device token', async () => {
    expect((await fetch(`${t.cloud.urls.http}/events/changes`)).status).toBe(401);
    const res = await fetch(`${t.cloud.urls.http}/events/changes`, { headers: { authorization: 'SharedAccessSignature sr=x&sig=y&se=1' } });
    expect(res.status).toBe(401);
  });

  it('sends a keep-alive and the text/event-stream content type', async () => {
    const ac = new AbortController();
    onTestFinished(() => ac.abort());
    const res = await fetch(`${t.cloud.urls.http}/events/changes`, { headers: { authorization: t.serviceToken() }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': keep-alive')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^retry: 2000\n: connected\n\n/);
  });

  it('tells of an identity, a twin patch, a connection, a deployment and a job, naming them without any key or property', async () => {
    const s = await follow();
    // A new device is a new twin (tags: what deployments target); a deleted one an identity change.
    const key = await t.createDevice('chg-1');
    await expect.poll(() => of(s.events, 'twin')).toContainEqual({ kind: 'twin', deviceId: 'chg-1', sections: ['tags'] });
    const goneKey = await t.createDevice('chg-gone');
    await t.ok('DELETE', '/devices/chg-gone', undefined, { 'if-match': '*' });
    await expect.poll(() => of(s.events, 'identity')).toContainEqual({ kind: 'identity', deviceId: 'chg-gone', change: 'deleted' });

    await t.ok('PATCH', '/twins/chg-1', { properties: { desired: { secretish: 'value-not-sent' } } });
    await expect.poll(() => of(s.events, 'twin')).toContainEqual({ kind: 'twin', deviceId: 'chg-1', sections: ['desired'] });

    const client = deviceSdk.Client.fromConnectionString(`HostName=${t.hostName};DeviceId=chg-1;SharedAccessKey=${key};GatewayHostName=localhost:${t.mqttPort}`, mqttTransport.Mqtt);
    client.on('error', () => undefined);
    await client.setOptions({ ca: t.caPem });
    await client.open();
    await expect.poll(() => of(s.events, 'connection')).toContainEqual({ kind: 'connection', deviceId: 'chg-1', connected: true });
    await client.close();
    await expect.poll(() => of(s.events, 'connection')).toContainEqual({ kind: 'connection', deviceId: 'chg-1', connected: false });

    await t.ok('PUT', '/configurations/chg-deploy', { id: 'chg-deploy', priority: 1, targetCondition: "tags.x='none'", content: { modulesContent: { sensor: { 'properties.desired.layer': { threshold: 10 } } } } });
    await expect.poll(() => of(s.events, 'configuration')).toContainEqual({ kind: 'configuration', configurationId: 'chg-deploy', change: 'created' });

    await t.ok('PUT', '/jobs/v2/chg-job', { jobId: 'chg-job', type: 'scheduleUpdateTwin', queryCondition: "deviceId IN ['chg-1']", updateTwin: { etag: '*', tags: { site: 'lab' } }, maxExecutionTimeInSeconds: 60 });
    await expect.poll(() => of(s.events, 'job')).toContainEqual({ kind: 'job', jobId: 'chg-job' });
    // The job's tag update reaches the twin as a change of its tags.
    await expect.poll(() => of(s.events, 'twin').filter((e) => e.deviceId === 'chg-1' && e.sections?.includes('tags') === true)).not.toEqual([]);

    const text = JSON.stringify(s.events);
    expect(text).not.toContain(key);
    expect(text).not.toContain(goneKey);
    expect(text).not.toContain('value-not-sent');
    expect(text).not.toContain('site');
  });

  it('ends open change streams when the cloud stops', async () => {
    const other = await startTestCloud();
    const res = await fetch(`${other.cloud.urls.http}/events/changes`, { headers: { authorization: other.serviceToken() } });
    const reader = res.body!.getReader();
    await reader.read();
    await other.stop();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});

describe('GET /events/changes coalescing (the bus driven directly)', () => {
  it('sends a 10 000-device burst as one `all` event per window, and other kinds by key', async () => {
    const api = await createTestApi();
    onTestFinished(() => api.closeAll());
    const base = await api.api.app.listen({ port: 0, host: '127.0.0.1' });
    const s = await openSse<ChangeEventDto>(`${base}/events/changes`, api.auth(), 'change');
    onTestFinished(() => s.stop());
    for (let i = 0; i < 10_000; i++) api.bus.publish('twinChanged', { id: { deviceId: `d${i}` }, tags: false, desired: true, reported: false });
    api.bus.publish('rolloutChanged', { configurationId: 'c1' });
    api.bus.publish('rolloutChanged', { configurationId: 'c1' });
    await expect.poll(() => s.messages.length).toBeGreaterThanOrEqual(2);
    expect(s.messages).toEqual([{ kind: 'twin', all: true }, { kind: 'rollout', configurationId: 'c1' }]);
  });
});

describe('event streams and the token they were opened with', () => {
  it('ends /events and /events/changes when the token stops being accepted (se plus the 5-minute skew), as a new request with it would be refused', async () => {
    const api = await createTestApi();
    onTestFinished(() => api.closeAll());
    const base = await api.api.app.listen({ port: 0, host: '127.0.0.1' });
    const nowSec = Math.floor(api.clock.nowMs() / 1000);
    // Expired 298 s ago: IoT Hub's 5-minute clock skew still accepts it for the next 2 whole seconds (refused at +3 s).
    const token = createServiceSasToken({ hostName: TEST_HOST, policyName: 'owner', key: api.ownerKey, expirySec: nowSec - 298 });
    // node:http, one connection each (fetch queues a second stream to the same origin behind the first).
    const open = (path: string) =>
      new Promise<{ ended: () => boolean }>((resolve, reject) => {
        const req = get(`${base}${path}`, { headers: { authorization: token }, agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          let ended = false;
          res.on('data', () => undefined).on('close', () => (ended = true));
          resolve({ ended: () => ended });
        });
        req.on('error', reject);
        onTestFinished(() => req.destroy());
      });
    const streams = [await open('/events'), await open('/events/changes')];
    await api.clock.advance(2_500);
    expect(streams.map((s) => s.ended())).toEqual([false, false]);
    await api.clock.advance(1_000);
    await expect.poll(() => streams.map((s) => s.ended())).toEqual([true, true]);
    expect((await fetch(`${base}/events`, { headers: { authorization: token } })).status).toBe(401);
  });
});
