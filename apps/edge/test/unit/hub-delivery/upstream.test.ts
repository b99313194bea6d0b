import { describe, expect, it } from 'vitest';
import { VergeError, type QueueEntry } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import type { DeviceClient, OutgoingMessage } from '@verge/device-client';
import { createLogger } from '@verge/platform';
import type { ScopeIdentity } from '../../../src/hub/scope/scope-identity.js';
import { upstreamCredentialFor } from '../../../src/hub/upstream/upstream-credentials.js';
import { UpstreamPool } from '../../../src/hub/upstream/upstream-pool.js';
import { ParkedSenders } from '../../../src/hub/upstream/parked-senders.js';
import { createMemoryMessageStore } from '../../../src/hub/store/index.js';
import { createUpstreamSender, outgoingOf, senderOf } from '../../../src/hub/upstream/upstream-sender.js';

const DEVICE_KEY = Buffer.alloc(32, 3).toString('base64');
const scope = new Map<string, ScopeIdentity>([
  ['leaf', { deviceId: 'leaf', status: 'enabled', authentication: { type: 'sas', primaryKey: 'cHJpbWFyeQ==', secondaryKey: 'c2Vjb25kYXJ5' } }],
  ['nokey', { deviceId: 'nokey', status: 'enabled', authentication: { type: 'sas', primaryKey: '', secondaryKey: 'c2Vjb25kYXJ5' } }],
  ['off', { deviceId: 'off', status: 'disabled', authentication: { type: 'sas', primaryKey: 'cHJpbWFyeQ==', secondaryKey: '' } }],
  ['cert', { deviceId: 'cert', status: 'enabled', authentication: { type: 'selfSigned', primaryThumbprint: 'AA', secondaryThumbprint: '' } }],
]);
const ctx = { edgeDeviceId: 'edge', deviceKey: DEVICE_KEY, resolveModule: (m: string) => (m === 'mod' ? { generationId: 'g1' } : undefined), leaf: (d: string) => scope.get(d) };

describe('upstreamCredentialFor', () => {
  it('uses the derived module key for a deployed module and the scope key for a leaf', () => {
    const key = deriveModuleKey(DEVICE_KEY, 'mod', 'g1', 'primary');
    expect(upstreamCredentialFor({ deviceId: 'edge', moduleId: 'mod' }, ctx)).toEqual({ ok: true, credential: { kind: 'sasKey', key }, key });
    expect(upstreamCredentialFor({ deviceId: 'leaf' }, ctx)).toMatchObject({ ok: true, key: 'cHJpbWFyeQ==' });
    expect(upstreamCredentialFor({ deviceId: 'nokey' }, ctx)).toMatchObject({ ok: true, key: 'c2Vjb25kYXJ5' });
  });

  it('derives a redeployed module\'s key from its new generation (the derived key is kept per generation)', () => {
    let generationId = 'g1';
    const moving = { ...ctx, resolveModule: () => ({ generationId }) };
    const id = { deviceId: 'edge', moduleId: 'mod' };
    expect(upstreamCredentialFor(id, moving)).toMatchObject({ key: deriveModuleKey(DEVICE_KEY, 'mod', 'g1', 'primary') });
    generationId = 'g2';
    expect(upstreamCredentialFor(id, moving)).toMatchObject({ key: deriveModuleKey(DEVICE_KEY, 'mod', 'g2', 'primary') });
    generationId = 'g1';
    expect(upstreamCredentialFor(id, moving)).toMatchObject({ key: deriveModuleKey(DEVICE_KEY, 'mod', 'g1', 'primary') });
  });

  it.each([
    [{ deviceId: 'other', moduleId: 'mod' }, "module 'other/mod' belongs to another device"],
    [{ deviceId: 'edge', moduleId: 'ghost' }, "module 'edge/ghost' is not deployed on this edge device"],
    [{ deviceId: 'stranger' }, "device 'stranger' is not in the device scope of this edge device"],
    [{ deviceId: 'off' }, "device 'off' is disabled"],
    [{ deviceId: 'cert' }, "device 'cert' authenticates with X.509; the edge hub cannot act as it upstream (it does not hold the device's private key)"],
  ])('has none for %j', (id, reason) => {
    expect(upstreamCredentialFor(id, ctx)).toEqual({ ok: false, reason });
  });
});

const entry = (offset: number, sys: Record<string, string>): QueueEntry => ({
  offset,
  edgeMessageId: `e${offset}`,
  enqueuedAtMs: 0,
  ttlSecs: 60,
  message: { body: Buffer.from(`b${offset}`), properties: { p: '1' }, systemProperties: sys },
});

describe('senderOf / outgoingOf', () => {
  it('reads the sender from the connection ids and passes properties through', () => {
    expect(senderOf(entry(0, { connectionDeviceId: 'edge', connectionModuleId: 'mod' }))).toEqual({ deviceId: 'edge', moduleId: 'mod' });
    expect(senderOf(entry(0, { connectionDeviceId: 'leaf' }))).toEqual({ deviceId: 'leaf' });
    expect(senderOf(entry(0, {}))).toBeUndefined();
    expect(outgoingOf(entry(3, { connectionDeviceId: 'leaf', messageId: 'm' }))).toEqual({ body: Buffer.from('b3'), properties: { p: '1' }, systemProperties: { connectionDeviceId: 'leaf', messageId: 'm' } });
  });
});

describe('upstream sender', () => {
  const log = createLogger({ service: 'test', level: 'silent' });

  function poolWith(link: { connected: boolean; clientId?: string; current: Partial<DeviceClient> } | undefined): UpstreamPool {
    return { acquire: () => link, forSending: () => link, credentialProblem: () => (link === undefined ? 'not in the device scope' : undefined) } as unknown as UpstreamPool;
  }

  it('sends a sender\'s messages in order over its own link; the first failure and everything after it is retryable', async () => {
    const sent: string[] = [];
    const client: Partial<DeviceClient> = {
      on: () => () => undefined,
      sendEvents: (messages: readonly OutgoingMessage[]) =>
        Promise.resolve(
          messages.map((m) => {
            const body = Buffer.from(m.body as Uint8Array).toString();
            sent.push(body);
            return body === 'b1' ? new Error('PUBACK timeout') : undefined;
          }),
        ),
    };
    const sender = createUpstreamSender(poolWith({ connected: true, current: client }), log);
    const sys = { connectionDeviceId: 'leaf' };
    const r = await sender.send([entry(0, sys), entry(1, sys), entry(2, sys)], new AbortController().signal);
    expect(sent).toEqual(['b0', 'b1', 'b2']);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['ok', 'retryable', 'retryable']);
  });

  it('is retryable at once while the link is down, and never drops a message for lack of a credential (issue 7)', async () => {
    const down = createUpstreamSender(poolWith({ connected: false, clientId: 'leaf', current: {} }), log);
    expect((await down.send([entry(0, { connectionDeviceId: 'leaf' })], new AbortController().signal)).outcomes[0]).toEqual({
      kind: 'retryable',
      reason: "the upstream connection of 'leaf' is not connected",
    });
    // Without parking (a parked queue's own pump): retried until a credential exists.
    const none = createUpstreamSender(poolWith(undefined), log);
    expect((await none.send([entry(0, { connectionDeviceId: 'gone' })], new AbortController().signal)).outcomes[0]?.kind).toBe('retryable');
    // With parking (the shared queue): moved to the sender's parked queue, so the others go on.
    const parkedCalls: string[] = [];
    const parking = {
      hasBacklog: () => Promise.resolve(false),
      park: (sender: string, entries: readonly unknown[], reason: string) => {
        parkedCalls.push(sender);
        return Promise.resolve(entries.map(() => ({ kind: 'parked' as const, reason })));
      },
    } as unknown as ParkedSenders;
    const parkingSender = createUpstreamSender(poolWith(undefined), log, parking);
    const r = await parkingSender.send([entry(0, { connectionDeviceId: 'gone' })], new AbortController().signal);
    expect(r.outcomes[0]?.kind).toBe('parked');
    expect(parkedCalls).toEqual(['gone']);
  });

  it('lists why a sender was parked, not that its later messages queue behind the parked ones', async () => {
    // Found offline with a leaf deleted in the cloud: `verge edge dead-letters` said "earlier messages of this sender
    // are parked", the reason of the second batch, instead of the cloud's refusal that parked the first.
    const store = createMemoryMessageStore();
    const parking = new ParkedSenders({ store, parked: () => undefined, log, nowMs: () => 0 });
    const refused = createUpstreamSender(poolWith({ connected: false, clientId: 'leaf', refusal: 'Not authorized', current: {} } as never), log, parking);
    const sys = { connectionDeviceId: 'leaf' };
    expect((await refused.send([entry(0, sys)], new AbortController().signal)).outcomes[0]?.kind).toBe('parked');
    const behind = await refused.send([entry(1, sys), entry(2, sys)], new AbortController().signal);
    expect(behind.outcomes.map((o) => o.kind)).toEqual(['parked', 'parked']);
    expect(await parking.list(() => undefined)).toEqual([{ sender: 'leaf', messages: 3, reason: "the cloud refuses the credential of 'leaf': Not authorized" }]);
    await store.close();
  });

  it('refuses permanently what the client refuses as invalid (e.g. too large)', async () => {
    const client: Partial<DeviceClient> = { on: () => () => undefined, sendEvents: () => Promise.resolve([new VergeError('SDK_MESSAGE_TOO_LARGE', 'too large')]) };
    const sender = createUpstreamSender(poolWith({ connected: true, current: client }), log);
    expect((await sender.send([entry(0, { connectionDeviceId: 'leaf' })], new AbortController().signal)).outcomes[0]).toEqual({ kind: 'permanent', reason: 'too large' });
  });
});

describe('UpstreamPool.forSending', () => {
  const log = createLogger({ service: 'test', level: 'silent' });
  const fakeClient = (): DeviceClient => ({ connected: true, on: () => () => undefined, connect: () => Promise.resolve(), close: () => Promise.resolve() }) as unknown as DeviceClient;

  it('looks the credential up at most once per recheck interval while the link is connected, and replaces a link whose key changed', () => {
    let nowMs = 1_000;
    let key = 'k1';
    let lookups = 0;
    const pool = new UpstreamPool({
      credentialFor: () => {
        lookups += 1;
        return { ok: true, credential: { kind: 'sasKey', key }, key };
      },
      factory: fakeClient,
      probe: { deviceId: 'edge', moduleId: '$edgeHub' },
      idleTimeoutMs: 60_000,
      releaseGraceMs: 1_000,
      onConnected: () => undefined,
      probeReady: () => undefined,
      log,
      nowMs: () => nowMs,
      credentialRecheckMs: 1_000,
    });
    const id = { deviceId: 'edge', moduleId: 'mod' };
    const first = pool.forSending(id);
    expect(lookups).toBe(1);
    nowMs += 999;
    expect(pool.forSending(id)).toBe(first);
    expect(lookups).toBe(1); // within the interval: no lookup
    key = 'k2'; // the module was redeployed with a new generation
    nowMs += 1;
    const second = pool.forSending(id);
    expect(lookups).toBe(2);
    expect(second).not.toBe(first);
    expect(second?.credentialKey).toBe('k2');
    nowMs -= 10_000; // a clock that went back looks the credential up again
    pool.forSending(id);
    expect(lookups).toBe(3);
  });
});
