import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceScope } from '../../../src/hub/scope/device-scope.js';
import type { DeviceScopeSource, ScopeIdentity } from '../../../src/hub/scope/scope-identity.js';
import { HubState } from '../../../src/hub/state/hub-state.js';
import { serverCertNames } from '../../../src/hub/tls/server-cert.js';
import { silentLog } from '@verge/testkit';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'verge-hub-state-'));
  dirs.push(dir);
  return join(dir, 'hub-state.db');
}

const leaf = (deviceId: string, status: 'enabled' | 'disabled' = 'enabled'): ScopeIdentity => ({
  deviceId,
  status,
  authentication: { type: 'sas', primaryKey: 'a2V5', secondaryKey: '' },
});

describe('HubState', () => {
  it('keeps sessions, the scope, twins, pending reported patches and the $edgeHub desired properties across a reopen', async () => {
    const path = await freshPath();
    const a = HubState.open(path, () => 1000);
    a.sessions.save('e/m', { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 }] });
    a.replaceScope([leaf('l1'), leaf('l2')]);
    a.putTwin('e/m', { x: 1, $version: 3 }, { y: 2, $version: 4 });
    a.addPendingReported('e/m', { y: 3 });
    a.addPendingReported('e/m', { z: null });
    a.saveEdgeHubDesired({ schemaVersion: '1.1', routes: {}, $version: 9 });
    a.close();

    const b = HubState.open(path);
    expect(b.sessions.load('e/m')).toEqual({ subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 }] });
    expect(b.scopeIdentities().map((d) => d.deviceId)).toEqual(['l1', 'l2']);
    expect(b.scopeSyncedAtMs()).toBe(1000);
    expect(b.twin('e/m')).toMatchObject({ desired: { x: 1, $version: 3 }, reported: { y: 2, $version: 4 } });
    const pending = b.pendingReported('e/m');
    expect(pending.map((p) => p.patch)).toEqual([{ y: 3 }, { z: null }]);
    expect(b.clientsWithPendingReported()).toEqual(['e/m']);
    b.removePendingReported('e/m', pending[0]?.seq ?? 0);
    expect(b.pendingReported('e/m').map((p) => p.patch)).toEqual([{ z: null }]);
    expect(b.edgeHubDesired()).toEqual({ schemaVersion: '1.1', routes: {}, $version: 9 });
    b.sessions.save('e/m', undefined);
    expect(b.sessions.load('e/m')).toBeUndefined();
    b.close();
  });
});

describe('DeviceScope', () => {
  const log = silentLog();

  it('serves the cached scope, replaces it on a sync (the edge device itself left out), and keeps it when a sync fails', async () => {
    const state = HubState.open(await freshPath());
    state.replaceScope([leaf('old')]);
    let answer: ScopeIdentity[] | Error = [leaf('l1'), leaf('edge'), leaf('old', 'disabled')];
    const source: DeviceScopeSource = { fetch: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve({ devices: answer })) };
    const changed: string[][] = [];
    const scope = new DeviceScope({ state, source, edgeDeviceId: 'edge', refreshMs: 3_600_000, retryMs: 60_000, onDemandMinMs: 5_000, log, nowMs: Date.now, changed: (ids) => changed.push([...ids]) });
    scope.start();
    expect(scope.get('old')?.status).toBe('enabled'); // from the cache, before the first sync ends
    expect(await scope.sync()).toBe(true);
    expect(scope.get('l1')).toBeDefined();
    expect(scope.get('edge')).toBeUndefined();
    expect(scope.get('old')?.status).toBe('disabled');
    expect(changed).toEqual([['old']]);
    answer = new Error('cloud down');
    expect(await scope.sync()).toBe(false);
    expect(scope.upToDate).toBe(false);
    expect(scope.get('l1')).toBeDefined();
    scope.stop();
    state.close();
  });

  it('defers an on-demand sync asked for inside the interval instead of dropping it (issue 7: a refused login)', async () => {
    const state = HubState.open(await freshPath());
    let fetches = 0;
    const source: DeviceScopeSource = { fetch: () => ((fetches += 1), Promise.resolve({ devices: [leaf('l1')] })) };
    const scope = new DeviceScope({ state, source, edgeDeviceId: 'edge', refreshMs: 3_600_000, retryMs: 60_000, onDemandMinMs: 300, log, nowMs: Date.now });
    scope.start();
    await scope.sync();
    expect(fetches).toBe(1);
    scope.requestSync('leaf login refused');
    scope.requestSync('leaf login refused again'); // coalesced
    expect(scope.syncPending).toBe(true);
    expect(fetches).toBe(1);
    await vi.waitFor(() => expect(fetches).toBe(2), { timeout: 3_000, interval: 50 });
    await vi.waitFor(() => expect(scope.syncPending).toBe(false), { timeout: 3_000, interval: 50 });
    expect(fetches).toBe(2);
    scope.stop();
    state.close();
  });
});

describe('serverCertNames', () => {
  it.each([
    ['localhost', { commonName: 'localhost', dnsNames: ['localhost', 'edgehub'], ipAddresses: ['127.0.0.1'] }],
    ['gw.example', { commonName: 'gw.example', dnsNames: ['localhost', 'gw.example'], ipAddresses: ['127.0.0.1'] }],
    ['10.0.0.5', { commonName: '10.0.0.5', dnsNames: ['localhost', 'edgehub'], ipAddresses: ['127.0.0.1', '10.0.0.5'] }],
  ])('%s', (host, expected) => {
    expect(serverCertNames(host)).toEqual(expected);
  });
});
