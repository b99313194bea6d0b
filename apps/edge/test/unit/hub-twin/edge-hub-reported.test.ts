import { describe, expect, it, vi } from 'vitest';
import { EdgeHubStatusReporter, withClientPresence } from '../../../src/hub/twin/edge-hub-reported.js';
import type { UpstreamLink } from '../../../src/hub/upstream/upstream-link.js';
import { silentLog } from '@verge/testkit';

// `$edgeHub` reported `version` and `clients.{id}` as edgeHub reports them (Azure tools read them): status
// Connected/Disconnected, lastConnectedTimeUtc, lastDisconnectedTimeUtc; leaves only while connected.

const VERSION = { version: '9.9.9', build: 'node-test', commit: 'abc' };
const log = silentLog();

function fakeLink(connected = true): { link: UpstreamLink; patches: Record<string, unknown>[]; attempts(): number; setConnected(v: boolean): void; failNext(): void } {
  const patches: Record<string, unknown>[] = [];
  let failures = 0;
  let attempts = 0;
  const state = { connected };
  const current = {
    patchReported: async (patch: Record<string, unknown>) => {
      attempts += 1;
      if (failures > 0) {
        failures -= 1;
        throw new Error('offline');
      }
      patches.push(structuredClone(patch));
      return undefined;
    },
  };
  const link = { get connected() { return state.connected; }, current } as unknown as UpstreamLink;
  return { link, patches, attempts: () => attempts, setConnected: (v) => (state.connected = v), failNext: () => (failures += 1) };
}

function reporter(now: { ms: number }): EdgeHubStatusReporter {
  return new EdgeHubStatusReporter({ log, nowMs: () => now.ms, cloudTimeoutMs: 1000, flushDelayMs: 0, version: VERSION });
}

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

describe('EdgeHubStatusReporter', () => {
  it('replaces the clients map once, then reports version and each client as it connects and disconnects', async () => {
    const now = { ms: T0 };
    const r = reporter(now);
    const f = fakeLink();
    r.attach(f.link);
    await vi.waitFor(() => expect(f.patches).toEqual([{ clients: null }, { version: VERSION }]));
    r.clientConnected({ deviceId: 'edge1', moduleId: 'sensor' });
    await vi.waitFor(() => expect(f.patches).toHaveLength(3));
    expect(f.patches[2]).toEqual({ clients: { 'edge1/sensor': { status: 'Connected', lastConnectedTimeUtc: '2026-12-07T10:00:00.000Z' } } });
    now.ms += 5_000;
    r.clientDisconnected({ deviceId: 'edge1', moduleId: 'sensor' });
    await vi.waitFor(() => expect(f.patches).toHaveLength(4));
    expect(f.patches[3]).toEqual({
      clients: { 'edge1/sensor': { status: 'Disconnected', lastConnectedTimeUtc: '2026-12-07T10:00:00.000Z', lastDisconnectedTimeUtc: '2026-12-07T10:00:05.000Z' } },
    });
    r.stop();
  });

  it('lists a leaf device only while it is connected (edgeHub deletes it on disconnect)', async () => {
    const now = { ms: T0 };
    const r = reporter(now);
    const f = fakeLink();
    r.attach(f.link);
    await vi.waitFor(() => expect(f.patches).toHaveLength(2));
    r.clientConnected({ deviceId: 'leaf-7' });
    await vi.waitFor(() => expect(f.patches).toHaveLength(3));
    r.clientDisconnected({ deviceId: 'leaf-7' });
    await vi.waitFor(() => expect(f.patches).toHaveLength(4));
    expect(f.patches.slice(2)).toEqual([{ clients: { 'leaf-7': { status: 'Connected', lastConnectedTimeUtc: '2026-12-07T10:00:00.000Z' } } }, { clients: { 'leaf-7': null } }]);
    expect(r.snapshot()).toEqual({});
    r.stop();
  });

  it('keeps what happened offline and sends it after the link connects', async () => {
    const now = { ms: T0 };
    const r = reporter(now);
    const f = fakeLink(false);
    r.attach(f.link);
    r.clientConnected({ deviceId: 'edge1', moduleId: 'a' });
    r.clientConnected({ deviceId: 'edge1', moduleId: 'b' });
    f.setConnected(true);
    f.failNext();
    r.linkConnected(); // the first attempt fails (e.g. the link dropped again)
    await vi.waitFor(() => expect(f.attempts()).toBe(1));
    expect(f.patches).toEqual([]);
    r.linkConnected();
    await vi.waitFor(() => expect(f.patches).toHaveLength(2));
    expect(f.patches[0]).toEqual({ clients: null });
    expect(f.patches[1]).toEqual({
      clients: { 'edge1/a': { status: 'Connected', lastConnectedTimeUtc: '2026-12-07T10:00:00.000Z' }, 'edge1/b': { status: 'Connected', lastConnectedTimeUtc: '2026-12-07T10:00:00.000Z' } },
      version: VERSION,
    });
    r.stop();
  });

  it('leaves out a client whose id is no valid twin key (a patch holding it would be refused whole)', async () => {
    const r = reporter({ ms: T0 });
    const f = fakeLink();
    r.attach(f.link);
    await vi.waitFor(() => expect(f.patches).toHaveLength(2));
    r.clientConnected({ deviceId: 'edge1', moduleId: 'has.dot' });
    r.clientConnected({ deviceId: 'edge1', moduleId: 'fine' });
    await vi.waitFor(() => expect(f.patches).toHaveLength(3));
    expect(Object.keys(f.patches[2]?.['clients'] as object)).toEqual(['edge1/fine']);
    r.stop();
  });
});

describe('withClientPresence', () => {
  it('reports connects and disconnects after the backend handled them, and keeps every other hook', () => {
    const calls: string[] = [];
    const backend = {
      authenticate: () => ({ ok: false as const, returnCode: 5 as const, reason: 'no' }),
      connected: () => calls.push('backend connected'),
      disconnected: () => calls.push('backend disconnected'),
      ingest: () => calls.push('ingest'),
    };
    const r = { clientConnected: () => calls.push('reported connected'), clientDisconnected: () => calls.push('reported disconnected') } as unknown as EdgeHubStatusReporter;
    const wrapped = withClientPresence(backend as never, r) as unknown as typeof backend;
    const session = { identity: { deviceId: 'd', moduleId: 'm' } };
    (wrapped.connected as (s: unknown, p: boolean) => void)(session, false);
    (wrapped.disconnected as (s: unknown) => void)(session);
    wrapped.ingest();
    expect(calls).toEqual(['backend connected', 'reported connected', 'backend disconnected', 'reported disconnected', 'ingest']);
    expect(wrapped.authenticate).toBe(backend.authenticate);
  });
});
