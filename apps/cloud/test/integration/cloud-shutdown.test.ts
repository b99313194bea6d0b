import { createServer } from 'node:https';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { closeHttp } from '../../src/listeners.js';
import { createTestApi, type TestApi } from '../helpers/fixtures.js';

let t: TestApi | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe('closeHttp (graceful shutdown of the API listeners)', () => {
  it('lets a request in flight finish, then closes sockets that never sent a request at once', async () => {
    t = await createTestApi();
    const api = t.api;
    await t.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    // The scenario: a device that answers only once the drain has started (a request still in flight at close).
    let arrived: () => void = () => undefined;
    const inFlight = new Promise<void>((r) => (arrived = r));
    let answer: () => void = () => undefined;
    t.setGateway({
      isConnected: () => true,
      invokeMethod: () => {
        arrived();
        return new Promise((resolve) => (answer = () => resolve({ status: 200, payload: 'late answer' })));
      },
    });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (api.app.server.address() as { port: number }).port;
    const idle = connect(port, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const idleClosed = new Promise((r) => idle.once('close', r));
    idle.resume();
    const pending = fetch(`http://127.0.0.1:${port}/twins/d/methods`, {
      method: 'POST',
      headers: { authorization: t.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ methodName: 'slow' }),
    });
    await inFlight;
    // A grace far beyond the test's timeout: the close only ends in time if it closes the idle socket as soon as the
    // request in flight is answered, not at the grace's end.
    const closed = closeHttp(api, undefined, 3_600_000);
    // The drain has started once the listener stops accepting; only then does the device answer.
    await eventually(() => !api.app.server.listening, { description: 'the API listener to stop accepting', intervalMs: 5 });
    answer();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 200, payload: 'late answer' });
    await closed;
    await idleClosed;
  });

  it('closes an extra HTTPS server that serves the same app', async () => {
    t = await createTestApi();
    await t.api.app.ready();
    const https = createServer({}, t.api.app.routing);
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    await closeHttp(t.api, https);
    expect(https.listening).toBe(false);
  });
});
