import { describe, expect, it } from 'vitest';
import { createLogger } from '@verge/platform';
import { eventually } from '@verge/testkit';
import { SessionRegistry, isSubscribed, type MqttConnection as Connection, type MqttSessionState, type MqttSessionStore } from '../../src/index.js';

/** A durable session store in memory, as a server's database would hold it. */
class MemoryStore implements MqttSessionStore {
  readonly storedSessions = new Map<string, MqttSessionState>();
  load(clientId: string): MqttSessionState | undefined {
    return this.storedSessions.get(clientId);
  }
  save(clientId: string, state: MqttSessionState | undefined): void {
    if (state === undefined) this.storedSessions.delete(clientId);
    else this.storedSessions.set(clientId, state);
  }
}
const d1 = { deviceId: 'd1' };
const live = {} as Connection;

describe('SessionRegistry', () => {
  it('keeps a persistent session in memory across connections without a store', () => {
    const reg = new SessionRegistry(undefined);
    const { session, present } = reg.open('d1', d1, false);
    expect(present).toBe(false);
    reg.subscribe(session, { filter: '$iothub/twin/res/#', parsed: { kind: 'twinResponses' }, qos: 0 });
    session.connection = live;
    reg.release(session);
    const again = reg.open('d1', d1, false);
    expect(again.present).toBe(true);
    expect(isSubscribed(again.session, 'twinResponses')).toBe(true);
  });

  it('writes subscriptions through to the store and reloads them (server restart)', () => {
    const services = new MemoryStore();
    const first = new SessionRegistry(services);
    const { session } = first.open('d1', d1, false);
    first.subscribe(session, { filter: '$iothub/methods/POST/#', parsed: { kind: 'methodRequests' }, qos: 0 });
    first.subscribe(session, { filter: 'devices/d1/messages/devicebound/#', parsed: { kind: 'c2d', deviceId: 'd1' }, qos: 1 });
    first.unsubscribe(session, '$iothub/methods/POST/#');
    expect(services.storedSessions.get('d1')).toEqual({ subscriptions: [{ filter: 'devices/d1/messages/devicebound/#', qos: 1 }] });
    first.release(session);
    expect(first.get('d1')).toBeUndefined(); // stored: not kept in memory while disconnected
    const second = new SessionRegistry(services);
    const reopened = second.open('d1', d1, false);
    expect(reopened.present).toBe(true);
    expect([...reopened.session.subscriptions.values()]).toEqual([
      { filter: 'devices/d1/messages/devicebound/#', parsed: { kind: 'c2d', deviceId: 'd1' }, qos: 1 },
    ]);
  });

  it('discards a stored session on clean=true, skips stored filters it cannot parse, and forgets deleted identities', () => {
    const services = new MemoryStore();
    services.storedSessions.set('d1', { subscriptions: [{ filter: 'not/a/filter', qos: 0 }, { filter: '$iothub/twin/res/#', qos: 0 }] });
    const reg = new SessionRegistry(services);
    const { session } = reg.open('d1', d1, false);
    expect([...session.subscriptions.keys()]).toEqual(['$iothub/twin/res/#']);
    const clean = reg.open('d1', d1, true);
    expect(clean.present).toBe(false);
    expect(clean.session.persistent).toBe(false);
    expect(services.storedSessions.has('d1')).toBe(false);
    reg.subscribe(clean.session, { filter: '$iothub/twin/res/#', parsed: { kind: 'twinResponses' }, qos: 0 });
    expect(services.storedSessions.has('d1')).toBe(false); // clean sessions are never stored
    reg.forget(clean.session);
    expect(reg.get('d1')).toBeUndefined();
  });

  it('keeps the session of a clean take-over when the replaced connection ends', () => {
    const reg = new SessionRegistry(new MemoryStore());
    const old = reg.open('d1', d1, false).session;
    old.connection = live;
    const replacing = reg.open('d1', d1, true).session;
    reg.release(old); // the taken-over connection closes after the new one connected
    expect(reg.get('d1')).toBe(replacing);
  });

  it('opens a session from a store that answers with a promise, through prepareOpen only', async () => {
    const services = new MemoryStore();
    services.storedSessions.set('d1', { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 }] });
    const asyncStore: MqttSessionStore = { load: (id) => Promise.resolve(services.load(id)), save: (id, state) => Promise.resolve(services.save(id, state)) };
    const reg = new SessionRegistry(asyncStore);
    expect(() => reg.open('d1', d1, false)).toThrow(/prepareOpen/);
    const opened = reg.prepareOpen('d1', false, (stored) => reg.open('d1', d1, false, stored));
    expect(opened).toBeInstanceOf(Promise);
    const { session, present } = await opened;
    expect(present).toBe(true);
    expect(isSubscribed(session, 'twinResponses')).toBe(true);
    // A clean session reads nothing: opened at once.
    expect(reg.prepareOpen('d2', true, (stored) => reg.open('d2', { deviceId: 'd2' }, true, stored)).present).toBe(false);
  });

  it('logs a save the store rejects', async () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'test', level: 'error', destination: { write: (line: string) => lines.push(line) } });
    const reg = new SessionRegistry({ load: () => undefined, save: () => Promise.reject(new Error('disk full')) }, log);
    const { session } = reg.open('d1', d1, false);
    reg.subscribe(session, { filter: '$iothub/twin/res/#', parsed: { kind: 'twinResponses' }, qos: 0 });
    await eventually(() => expect(lines.join('')).toContain('MQTT session could not be saved'), { timeoutMs: 2000, description: 'the failed save logged' });
    expect(lines.join('')).toContain('disk full');
  });

  it('keeps one store write per client id in flight, so a store that lands concurrent writes out of order keeps the last state', async () => {
    // A pool of database connections: each write lands when the test says, in any order.
    const stored = new MemoryStore();
    const inFlight: { state: MqttSessionState | undefined; land: () => void }[] = [];
    const pooled: MqttSessionStore = {
      load: (id) => Promise.resolve(stored.load(id)),
      save: (id, state) => new Promise<void>((resolve) => inFlight.push({ state, land: () => (stored.save(id, state), resolve()) })),
    };
    const reg = new SessionRegistry(pooled);
    const { session } = await reg.prepareOpen('d1', false, (s) => reg.open('d1', d1, false, s));
    reg.subscribe(session, { filter: '$iothub/twin/res/#', parsed: { kind: 'twinResponses' }, qos: 0 });
    reg.subscribe(session, { filter: '$iothub/twin/PATCH/properties/desired/#', parsed: { kind: 'twinDesiredPatches' }, qos: 0 });
    reg.subscribe(session, { filter: 'devices/d1/messages/devicebound/#', parsed: { kind: 'c2d', deviceId: 'd1' }, qos: 1 });
    expect(inFlight).toHaveLength(1); // the second and third wait, coalesced into the last
    inFlight[0]!.land();
    await eventually(() => inFlight.length === 2, { timeoutMs: 2000, description: 'the latest state written next' });
    expect(inFlight[1]!.state?.subscriptions.map((s) => s.filter)).toEqual([
      '$iothub/twin/res/#',
      '$iothub/twin/PATCH/properties/desired/#',
      'devices/d1/messages/devicebound/#',
    ]);
    // A reconnect reads the store only after the write in flight landed.
    session.connection = live;
    reg.release(session);
    let reopened = false;
    const opening = reg.prepareOpen('d1', false, (s) => ((reopened = true), reg.open('d1', d1, false, s)));
    await Promise.resolve();
    expect(reopened).toBe(false);
    inFlight[1]!.land();
    await reg.flushed();
    const again = await opening;
    expect(again.session.subscriptions.size).toBe(3);
    expect(stored.storedSessions.get('d1')?.subscriptions).toHaveLength(3);
  });
});
