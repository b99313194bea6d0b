import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { createApiClient, isApiError, reconnectDelayMs, type ApiClient, type TelemetryMessage } from '@verge/api-client';
import { serviceConnectionString } from './helpers/fixtures.js';
import { sendJson, startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

let server: RecordingServer;
let client: ApiClient;

beforeEach(async () => {
  server = await startRecordingServer();
  client = createApiClient({ connectionString: serviceConnectionString, baseUrl: server.baseUrl });
});
afterEach(() => server.close());

function dto(sequenceNumber: number, body: string): Record<string, unknown> {
  return {
    sequenceNumber,
    deviceId: 'dev1',
    enqueuedTime: '2024-01-01T00:00:00.000Z',
    systemProperties: { connectionDeviceId: 'dev1' },
    properties: {},
    body: Buffer.from(body).toString('base64'),
  };
}

function writeEvents(res: ServerResponse, events: readonly Record<string, unknown>[], retryMs = 20): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write(`retry: ${retryMs}\n: keep-alive comment\n\n`);
  for (const e of events) res.write(`event: message\nid: ${String(e['sequenceNumber'])}\ndata: ${JSON.stringify(e)}\n\n`);
}

describe('events (Server-Sent Events)', () => {
  it('GETs /events with filters and Accept: text/event-stream, and yields decoded messages', async () => {
    server.respond((_req, res) => {
      writeEvents(res, [dto(1, 'a'), dto(2, '{"t":1}')]);
      res.write('event: other\ndata: {}\n\n');
    });
    const controller = new AbortController();
    const seen: TelemetryMessage[] = [];
    for await (const m of client.events({ deviceId: 'dev1', moduleId: 'm1' }, { signal: controller.signal })) {
      seen.push(m);
      if (seen.length === 2) controller.abort();
    }
    const req = server.requests[0];
    expect([req?.method, req?.path, req?.query.get('deviceId'), req?.query.get('moduleId'), req?.headers['accept']]).toEqual(['GET', '/events', 'dev1', 'm1', 'text/event-stream']);
    expect(req?.headers['authorization']).toMatch(/^SharedAccessSignature /);
    expect(seen.map((m) => [m.sequenceNumber, new TextDecoder().decode(m.body)])).toEqual([[1, 'a'], [2, '{"t":1}']]);
  });

  it('reconnects after the server drops the stream, resuming with Last-Event-ID', async () => {
    server.respond((req, res) => {
      const last = Number(req.headers['last-event-id'] ?? 0);
      writeEvents(res, [dto(last + 1, `m${last + 1}`), dto(last + 2, `m${last + 2}`)]);
      res.end(); // drop after two events
    });
    const drops: number[] = [];
    const ids: number[] = [];
    const opens: number[] = []; // events seen when each (re)connection was accepted
    for await (const m of client.events({}, { onOpen: () => opens.push(ids.length), onDisconnect: (_e, attempt) => drops.push(attempt) })) {
      ids.push(m.sequenceNumber);
      if (ids.length === 5) break;
    }
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(server.requests.map((r) => r.headers['last-event-id'] ?? null)).toEqual([null, '2', '4']);
    expect(drops).toEqual([1, 1]);
    expect(opens).toEqual([0, 2, 4]);
  });

  it('does not retry an HTTP error status (and never says the stream is open)', async () => {
    server.respond((_req, res) => sendJson(res, 401, { code: 'CLD_AUTH_FAILED', message: 'bad token' }));
    let opened = false;
    const error = await (async () => {
      for await (const _m of client.events({}, { onOpen: () => (opened = true) })) expect.unreachable();
    })().catch((e: unknown) => e);
    expect(isApiError(error, 'CLD_AUTH_FAILED')).toBe(true);
    expect(opened).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('with reconnect: false, a drop ends the stream with CLIENT_NETWORK_FAILED', async () => {
    server.respond((_req, res) => {
      writeEvents(res, [dto(1, 'a')]);
      res.end();
    });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const m of client.events({}, { reconnect: false })) seen.push(m.sequenceNumber);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(isApiError(error, 'CLIENT_NETWORK_FAILED')).toBe(true);
  });

  it('gives up after maxAttempts failed connections', async () => {
    await server.close();
    const error = await (async () => {
      for await (const _m of client.events({}, { reconnect: { initialDelayMs: 1, maxAttempts: 2 } })) expect.unreachable();
    })().catch((e: unknown) => e);
    expect(isApiError(error, 'CLIENT_NETWORK_FAILED')).toBe(true);
  });

  it('an abort while waiting to reconnect ends the stream quietly', async () => {
    await server.close();
    const controller = new AbortController();
    const done = (async () => {
      for await (const _m of client.events({}, { signal: controller.signal, reconnect: { initialDelayMs: 60_000 }, onDisconnect: () => controller.abort() })) expect.unreachable();
    })();
    await expect(done).resolves.toBeUndefined();
  });
});

describe('reconnectDelayMs', () => {
  it.each([
    [{}, 1, undefined, 1000],
    [{}, 3, undefined, 4000],
    [{}, 10, undefined, 30_000],
    [{ initialDelayMs: 10, maxDelayMs: 50 }, 4, undefined, 50],
    [{}, 2, 300, 600],
  ])('policy %j attempt %i server retry %s → %i ms', (policy, attempt, serverRetry, expected) => {
    expect(reconnectDelayMs(policy, attempt, serverRetry)).toBe(expected);
  });
});
