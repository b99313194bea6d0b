import { describe, expect, it } from 'vitest';
import { parseSubscription } from '@verge/contracts';
import { SessionRegistry, isSubscribed } from '../../../src/mqtt/session-registry.js';
import type { Connection } from '../../../src/mqtt/connection.js';
import { FakeServices } from '../../integration/mqtt-support/fake-services.js';

const parse = (f: string) => {
  try {
    return parseSubscription(f);
  } catch {
    return undefined;
  }
};
const d1 = { deviceId: 'd1' };
const live = {} as Connection;

describe('SessionRegistry', () => {
  it('keeps a persistent session in memory across connections when the services cannot store it', () => {
    const reg = new SessionRegistry(new FakeServices(), parse);
    const { session, present } = reg.open('d1', d1, false);
    expect(present).toBe(false);
    reg.subscribe(session, { filter: '$iothub/twin/res/#', parsed: { kind: 'twinResponses' }, qos: 0 });
    session.connection = live;
    reg.release(session);
    const again = reg.open('d1', d1, false);
    expect(again.present).toBe(true);
    expect(isSubscribed(again.session, 'twinResponses')).toBe(true);
  });

  it('writes subscriptions through to the services and reloads them (cloud restart)', () => {
    const services = new FakeServices({ persistSessions: true });
    const first = new SessionRegistry(services, parse);
    const { session } = first.open('d1', d1, false);
    first.subscribe(session, { filter: '$iothub/methods/POST/#', parsed: { kind: 'methodRequests' }, qos: 0 });
    first.subscribe(session, { filter: 'devices/d1/messages/devicebound/#', parsed: { kind: 'c2d', deviceId: 'd1' }, qos: 1 });
    first.unsubscribe(session, '$iothub/methods/POST/#');
    expect(services.storedSessions.get('d1')).toEqual({ subscriptions: [{ filter: 'devices/d1/messages/devicebound/#', qos: 1 }] });
    first.release(session);
    expect(first.get('d1')).toBeUndefined(); // stored: not kept in memory while disconnected
    const second = new SessionRegistry(services, parse);
    const reopened = second.open('d1', d1, false);
    expect(reopened.present).toBe(true);
    expect([...reopened.session.subscriptions.values()]).toEqual([
      { filter: 'devices/d1/messages/devicebound/#', parsed: { kind: 'c2d', deviceId: 'd1' }, qos: 1 },
    ]);
  });

  it('discards a stored session on clean=true, skips stored filters it cannot parse, and forgets deleted identities', () => {
    const services = new FakeServices({ persistSessions: true });
    services.storedSessions.set('d1', { subscriptions: [{ filter: 'not/a/filter', qos: 0 }, { filter: '$iothub/twin/res/#', qos: 0 }] });
    const reg = new SessionRegistry(services, parse);
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
});
