import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceSasToken, parseConnectionString } from '@verge/core';
import { TelemetryMessageSchema, type TelemetryMessageDto } from '@verge/contracts';
import { startCloud, type RunningCloud } from '../../src/index.js';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { silentLog, tempDir } from '@verge/testkit';

let testCloud: TestCloud;
let cloud: RunningCloud;

beforeAll(async () => {
  testCloud = await startTestCloud(undefined, {}, { eventStream: { heartbeatMs: 100 } });
  cloud = testCloud.cloud;
});
afterAll(async () => {
  await testCloud?.stop();
});

function token(): string {
  return testCloud.serviceToken();
}

async function ingest(deviceId: string, text: string, moduleId?: string): Promise<void> {
  await cloud.services.endpoint.ingestTelemetry({
    body: Buffer.from(text),
    properties: { n: text },
    systemProperties: { connectionDeviceId: deviceId, ...(moduleId === undefined ? {} : { connectionModuleId: moduleId }), enqueuedTime: new Date().toISOString() },
  });
}

interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** Opens `/events` and collects parsed events until aborted. */
async function open(query: string, headers: Record<string, string> = {}): Promise<{ events: SseEvent[]; status: number; contentType: string | null; close: () => void }> {
  const ac = new AbortController();
  const res = await fetch(`${cloud.urls.http}/events${query}`, { headers: { authorization: token(), ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  const reader = res.body?.getReader();
  void (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (chunk === undefined || chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) e['comment'] = line.slice(1).trim();
            else {
              const i = line.indexOf(':');
              e[line.slice(0, i)] = line.slice(i + 1).trimStart();
            }
          }
          events.push(e);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, status: res.status, contentType: res.headers.get('content-type'), close: () => ac.abort() };
}

const telemetry = (events: SseEvent[]): TelemetryMessageDto[] =>
  events.filter((e) => e.event === 'telemetry').map((e) => TelemetryMessageSchema.parse(JSON.parse(e.data ?? '')));
const texts = (events: SseEvent[]) => telemetry(events).map((m) => Buffer.from(m.body, 'base64').toString());

describe('GET /events (Server-Sent Events over real HTTP)', () => {
  it('streams live messages with id = sequence number, filtered by device and module, with keep-alives', async () => {
    const all = await open('');
    const dev = await open('?deviceId=ev-1');
    const mod = await open('?deviceId=ev-1&moduleId=m');
    expect(all.status).toBe(200);
    expect(all.contentType).toBe('text/event-stream; charset=utf-8');
    await ingest('ev-1', 'a');
    await ingest('ev-2', 'b');
    await ingest('ev-1', 'c', 'm');
    await expect.poll(() => texts(all.events)).toEqual(['a', 'b', 'c']);
    await expect.poll(() => texts(dev.events)).toEqual(['a', 'c']);
    await expect.poll(() => texts(mod.events)).toEqual(['c']);
    const [first] = telemetry(all.events);
    expect(all.events.find((e) => e.event === 'telemetry')?.id).toBe(String(first?.sequenceNumber));
    expect(first).toMatchObject({ deviceId: 'ev-1', properties: { n: 'a' }, systemProperties: { connectionDeviceId: 'ev-1' } });
    await expect.poll(() => all.events.some((e) => e.comment === 'keep-alive')).toBe(true);
    for (const s of [all, dev, mod]) s.close();
  });

  it('replays retained messages after Last-Event-ID, then continues live without gaps or duplicates', async () => {
    await ingest('ev-3', 'r1');
    const resumeFrom = (await cloud.services.telemetry.recent({ deviceId: 'ev-3' }, 1))[0]?.sequenceNumber ?? 0;
    await ingest('ev-3', 'r2');
    await ingest('ev-3', 'r3');
    const s = await open('?deviceId=ev-3', { 'last-event-id': String(resumeFrom) });
    await ingest('ev-3', 'r4');
    await expect.poll(() => texts(s.events)).toEqual(['r2', 'r3', 'r4']);
    s.close();
  });

  it('refuses unauthenticated streams and bad Last-Event-ID', async () => {
    const res = await fetch(`${cloud.urls.http}/events`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${cloud.urls.http}/events`, { headers: { authorization: token(), 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: "Last-Event-ID: 'abc' is not a sequence number" });
  });

  it('ends open streams when the cloud stops (stop does not hang on them)', async () => {
    const t = tempDir();
    const other = await startCloud({ dataDir: t.dir, httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: 0, logLevel: 'silent' }, { log: silentLog() });
    try {
      const cs = parseConnectionString(other.serviceConnectionString);
      if (cs.kind !== 'service') throw new Error('bad cs');
      const auth = createServiceSasToken({ hostName: cs.hostName, policyName: 'owner', key: cs.sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + 60 });
      const res = await fetch(`${other.urls.http}/events`, { headers: { authorization: auth } });
      const reader = res.body?.getReader();
      await reader?.read();
      const started = Date.now();
      await other.stop();
      expect(Date.now() - started).toBeLessThan(3000);
      let done = false;
      while (!done) done = (await reader?.read())?.done ?? true;
    } finally {
      await other.stop();
      t.cleanup();
    }
  });
});
