import { describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { ConnackCode, SessionRegistry, type AuthResult, type ConnectCredentials, type IotHubBackend, type MqttSessionState } from '../../src/index.js';
import { connectOf, connectStream, isType, recordingBackend, startServer, type MemoryClient } from './memory-stream.js';

// CONNECT decided asynchronously (issue 9: the cloud's registry and session store answer with promises).

/** An `authenticate` whose answers the test gives, one per CONNECT, in call order. */
function deferredAuth() {
  const calls: { credentials: ConnectCredentials; answer: (r: AuthResult) => void; fail: (err: Error) => void }[] = [];
  const authenticate = (credentials: ConnectCredentials): Promise<AuthResult> =>
    new Promise<AuthResult>((resolve, reject) => calls.push({ credentials, answer: resolve, fail: reject }));
  const accept = (i: number): void => {
    const call = calls[i];
    if (call === undefined) throw new Error(`no CONNECT ${i} was authenticated`);
    const clientId = call.credentials.clientId;
    call.answer({ ok: true, identity: { deviceId: clientId }, clientId, method: 'sas' });
  };
  return { calls, authenticate, accept };
}

const waitFor = (check: () => void, description: string) => eventually(check, { timeoutMs: 5000, intervalMs: 5, description });

/** Sends a PINGREQ and waits for its PINGRESP: everything the client sent before was handled. */
async function roundTrip(client: MemoryClient): Promise<void> {
  client.send({ cmd: 'pingreq' });
  await client.next(isType('pingresp'), 'PINGRESP');
}

describe('asynchronous CONNECT', () => {
  it('holds packets sent before CONNACK and handles them in order after it', async () => {
    const auth = deferredAuth();
    const connectedHook: string[] = [];
    const { backend, ingested } = recordingBackend({ authenticate: auth.authenticate, connected: (s) => connectedHook.push(s.clientId) });
    const server = startServer(backend);
    const client = connectStream(server);
    client.sendTogether([
      connectOf('d1'),
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'devices/d1/messages/devicebound/#', qos: 1 }] },
      { cmd: 'publish', topic: 'devices/d1/messages/events/', payload: Buffer.from('first'), qos: 1, messageId: 2, dup: false, retain: false },
    ]);
    client.send({ cmd: 'publish', topic: 'devices/d1/messages/events/', payload: Buffer.from('second'), qos: 1, messageId: 3, dup: false, retain: false });
    client.send({ cmd: 'pingreq' });
    await waitFor(() => expect(auth.calls).toHaveLength(1), 'authenticate called');
    expect(client.received).toEqual([]);
    expect(ingested).toEqual([]);
    expect(server.stats()).toMatchObject({ connected: 0, pendingHandshakes: 1 });

    auth.accept(0);
    await client.next(isType('pingresp'), 'PINGRESP');
    expect(client.received.map((p) => p.cmd)).toEqual(['connack', 'suback', 'puback', 'puback']);
    expect(client.received.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual([2, 3]);
    expect(ingested.map((m) => Buffer.from(m.message.body).toString())).toEqual(['first', 'second']);
    expect(connectedHook).toEqual(['d1']);
    expect(server.stats()).toMatchObject({ connected: 1, pendingHandshakes: 0 });
    await roundTrip(client); // reading resumed
  });

  it('refuses with the code the backend answers, without handling the packets that followed', async () => {
    const auth = deferredAuth();
    const { backend, ingested } = recordingBackend({ authenticate: auth.authenticate });
    const server = startServer(backend);
    const client = connectStream(server);
    client.sendTogether([connectOf('d1'), { cmd: 'publish', topic: 'devices/d1/messages/events/', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false }]);
    await waitFor(() => expect(auth.calls).toHaveLength(1), 'authenticate called');
    auth.calls[0]?.answer({ ok: false, returnCode: ConnackCode.notAuthorized, reason: 'disabled' });
    expect((await client.next(isType('connack'), 'CONNACK')).returnCode).toBe(ConnackCode.notAuthorized);
    await client.untilClosed();
    expect(ingested).toEqual([]);
    expect(server.stats()).toMatchObject({ connected: 0, pendingHandshakes: 0, sockets: 0 });
  });

  it('answers CONNACK 3 (server unavailable) when authentication rejects', async () => {
    const auth = deferredAuth();
    const server = startServer(recordingBackend({ authenticate: auth.authenticate }).backend);
    const client = connectStream(server);
    client.send(connectOf('d1'));
    await waitFor(() => expect(auth.calls).toHaveLength(1), 'authenticate called');
    auth.calls[0]?.fail(new Error('database unreachable'));
    expect((await client.next(isType('connack'), 'CONNACK')).returnCode).toBe(ConnackCode.serverUnavailable);
    await client.untilClosed();
  });

  it('drops the result for a connection closed while it was pending: no CONNACK, no session, no connected call', async () => {
    const auth = deferredAuth();
    const connectedHook: string[] = [];
    const server = startServer(recordingBackend({ authenticate: auth.authenticate, connected: (s) => connectedHook.push(s.clientId) }).backend);
    const client = connectStream(server);
    client.send(connectOf('d1'));
    await waitFor(() => expect(auth.calls).toHaveLength(1), 'authenticate called');
    client.reset();
    await client.untilClosed();
    expect(server.stats()).toMatchObject({ sockets: 0, pendingHandshakes: 1 }); // the lookup still runs: its slot stays taken
    auth.accept(0);
    await waitFor(() => expect(server.stats().pendingHandshakes).toBe(0), 'the slot freed once the lookup settled');
    expect(client.received).toEqual([]);
    expect(connectedHook).toEqual([]);
    expect(server.sessions.get('d1')).toBeUndefined();
    expect(server.stats()).toMatchObject({ connected: 0, sockets: 0 });
  });

  it('caps pending authentications: CONNECTs whose sockets closed still hold their slot until the lookup settles', async () => {
    const auth = deferredAuth();
    const server = startServer(recordingBackend({ authenticate: auth.authenticate }).backend, { maxPendingHandshakes: 3, maxPendingHandshakesPerAddress: 3 });
    const flood: MemoryClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = connectStream(server);
      c.send(connectOf(`d${i}`));
      flood.push(c);
    }
    await waitFor(() => expect(auth.calls).toHaveLength(3), 'three lookups pending');
    for (const c of flood) c.reset();
    await Promise.all(flood.map((c) => c.untilClosed()));
    const refused = connectStream(server);
    refused.send(connectOf('late'));
    await refused.untilClosed(); // admission control: three lookups are pending, so no new CONNECT is read
    expect(auth.calls).toHaveLength(3);
    expect(server.stats()).toMatchObject({ sockets: 0, pendingHandshakes: 3 });

    for (let i = 0; i < 3; i++) auth.accept(i);
    await waitFor(() => expect(server.stats().pendingHandshakes).toBe(0), 'slots freed');
    const next = connectStream(server);
    next.send(connectOf('next'));
    await waitFor(() => expect(auth.calls).toHaveLength(4), 'the next CONNECT authenticated');
    auth.accept(3);
    expect((await next.next(isType('connack'), 'CONNACK')).returnCode).toBe(0);
  });

  it('waits for an asynchronous session store before CONNACK, and orders CONNECTs of one client id', async () => {
    const stored = new Map<string, MqttSessionState>([['d1', { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 }] }]]);
    const loads: (() => void)[] = [];
    const saves: string[] = [];
    const sessions = new SessionRegistry({
      load: (clientId) => new Promise((resolve) => loads.push(() => resolve(stored.get(clientId)))),
      save: (clientId, state) => {
        saves.push(`${clientId} ${state === undefined ? 'deleted' : String(state.subscriptions.length)}`);
        if (state === undefined) stored.delete(clientId);
        else stored.set(clientId, state);
        return Promise.resolve();
      },
    });
    const accepted: string[] = [];
    let authenticated = 0;
    const recording = recordingBackend({ connected: (s, present) => accepted.push(`${s.clientId} present=${String(present)} ${[...s.subscriptions.keys()].join(',')}`) });
    const backend: IotHubBackend = {
      ...recording.backend,
      authenticate: (credentials, nowMs) => {
        authenticated += 1;
        return recording.backend.authenticate(credentials, nowMs);
      },
    };
    const server = startServer(backend, {}, sessions);
    const first = connectStream(server);
    first.send(connectOf('d1'));
    await waitFor(() => expect(loads).toHaveLength(1), 'the session loaded');
    const clean = connectStream(server);
    clean.send(connectOf('d1', { clean: true })); // decided synchronously, but after the first CONNECT of d1
    await waitFor(() => expect(authenticated).toBe(2), 'both CONNECTs authenticated');
    expect(first.received).toEqual([]);
    expect(clean.received).toEqual([]);
    loads[0]?.();
    expect((await clean.next(isType('connack'), 'CONNACK of the clean one')).sessionPresent).toBe(false);
    await first.untilClosed(); // taken over by the clean one
    // The first opened the stored session, then the clean one deleted it: not the other way round.
    expect(accepted).toEqual(['d1 present=true $iothub/twin/res/#', 'd1 present=false ']);
    expect(saves).toEqual(['d1 deleted']);
    expect(server.sessions.get('d1')?.persistent).toBe(false);
  });

  it('drops a CONNECT whose connection closed while its session was being loaded', async () => {
    const loads: (() => void)[] = [];
    const sessions = new SessionRegistry({
      load: () => new Promise<MqttSessionState | undefined>((resolve) => loads.push(() => resolve({ subscriptions: [] }))),
      save: () => Promise.resolve(),
    });
    const connectedHook: string[] = [];
    const server = startServer(recordingBackend({ connected: (s) => connectedHook.push(s.clientId) }).backend, {}, sessions);
    const client = connectStream(server);
    client.send(connectOf('d1'));
    await waitFor(() => expect(loads).toHaveLength(1), 'the session load started');
    client.reset();
    await client.untilClosed();
    loads[0]?.();
    await waitFor(() => expect(server.stats().pendingHandshakes).toBe(0), 'the slot freed once the load settled');
    expect(connectedHook).toEqual([]);
    expect(server.sessions.get('d1')).toBeUndefined();
  });
});
