import { describe, expect, it } from 'vitest';
import type { MethodHandler } from '@verge/device-client';
import { SessionRegistry, type MqttConnection } from '@verge/iothub-mqtt';
import { MethodBridge } from '../../../src/hub/methods/method-bridge.js';
import type { UpstreamPool } from '../../../src/hub/upstream/upstream-pool.js';
import { silentLog } from '@verge/testkit';

const id = { deviceId: 'edge', moduleId: 'mod' };
const log = silentLog();

function setup(opts: { connected: boolean; subscribed: boolean; timeoutMs?: number }) {
  let handler: MethodHandler | undefined;
  const pool = { acquire: () => ({ setMethodHandler: (h: MethodHandler) => (handler = h) }) } as unknown as UpstreamPool;
  const sessions = new SessionRegistry(undefined);
  const published: { topic: string; body: string }[] = [];
  const conn = { isOpen: true, publish0: (topic: string, body: Buffer) => (published.push({ topic, body: body.toString() }), true) } as unknown as MqttConnection;
  const { session } = sessions.open('edge/mod', id, false);
  if (opts.connected) session.connection = conn;
  if (opts.subscribed) sessions.subscribe(session, { filter: '$iothub/methods/POST/#', parsed: { kind: 'methodRequests' }, qos: 0 });
  const bridge = new MethodBridge({ pool, sessions, timeoutMs: opts.timeoutMs ?? 1000, log });
  bridge.watch(id);
  const call = (methodName: string, payload: unknown) => {
    if (handler === undefined) throw new Error('no handler registered');
    return Promise.resolve(handler({ methodName, payload, rid: 'cloud-rid' }));
  };
  return { bridge, call, published };
}

describe('MethodBridge', () => {
  it('forwards the request down and returns the answer the client publishes', async () => {
    const { bridge, call, published } = setup({ connected: true, subscribed: true });
    const pending = call('reboot', { delay: 1 });
    await Promise.resolve();
    expect(published[0]?.topic).toMatch(/^\$iothub\/methods\/POST\/reboot\/\?\$rid=.+$/);
    expect(published[0]?.body).toBe('{"delay":1}');
    const rid = /\$rid=(.+)$/.exec(published[0]?.topic ?? '')?.[1] ?? '';
    expect(bridge.complete(id, rid, 201, Buffer.from('{"ok":true}'))).toBe(true);
    await expect(pending).resolves.toEqual({ status: 201, payload: { ok: true } });
  });

  it.each([
    ['not connected', { connected: false, subscribed: true }],
    ['not subscribed to methods', { connected: true, subscribed: false }],
  ])('answers 404 when the client is %s', async (_name, opts) => {
    const { call } = setup(opts);
    const r = await call('x', null);
    expect(r.status).toBe(404);
    expect(r.payload).toMatchObject({ errorCode: 'HUB_CLIENT_NOT_CONNECTED' });
  });

  it('answers 504 when the client does not answer in time', async () => {
    const { call } = setup({ connected: true, subscribed: true, timeoutMs: 20 });
    const r = await call('slow', null);
    expect(r).toEqual({ status: 504, payload: { errorCode: 'HUB_METHOD_TIMEOUT', message: "module 'edge/mod' did not answer method 'slow' within 20 ms" } });
  });
});
