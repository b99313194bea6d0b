import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveModuleKey, EMPTY_LEDGER } from '@verge/core';
import { gatewayHostWithPort, injectedModuleEnv, runtimeFingerprint } from '../../../src/agent/agent-environment.js';
import { DesiredConfig } from '../../../src/agent/desired-config.js';
import type { ModuleIdentityRecord } from '../../../src/agent/identity-registry.js';
import { LedgerStore } from '../../../src/agent/ledger-store.js';
import { ModuleIdentities } from '../../../src/agent/module-identities.js';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';
import { TEST_ENVIRONMENT } from './support/agent-environment.js';
import { FakeRegistry } from './support/fake-registry.js';
import { silentLog } from '@verge/testkit';

const DEVICE_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'verge-agent-state-'));
  dirs.push(d);
  return d;
}

describe('module identities (reference §11.4, docs/edge-cloud.md)', () => {
  it('creates identities of deployed modules, re-keys foreign keys, removes undeployed ones it manages', async () => {
    const dir = await tempDir();
    const registry = new FakeRegistry(DEVICE_KEY);
    registry.modules.set('byHand', { moduleId: 'byHand', generationId: '1', managedBy: null, primaryKey: 'k', secondaryKey: 'k' });
    registry.modules.set('gone', { moduleId: 'gone', generationId: '2', managedBy: 'iotEdge', primaryKey: 'k', secondaryKey: 'k' });
    registry.modules.set('modB', { moduleId: 'modB', generationId: '3', managedBy: null, primaryKey: 'own', secondaryKey: 'own' });
    const identities = ModuleIdentities.in(dir, registry, 'edge1', DEVICE_KEY, silentLog());
    await identities.sync(['modA', 'modB', '$edgeHub']);
    expect(registry.calls).toEqual(['list', 'put modA', 'put modB (replace)', 'remove gone']);
    const modA = registry.modules.get('modA') as ModuleIdentityRecord;
    expect(modA).toMatchObject({ managedBy: 'iotEdge', primaryKey: deriveModuleKey(DEVICE_KEY, 'modA', modA.generationId, 'primary') });
    expect(registry.modules.get('modB')?.primaryKey).toBe(deriveModuleKey(DEVICE_KEY, 'modB', '3', 'primary'));
    expect(identities.generationIdOf('modA')).toBe(modA.generationId);
    expect(identities.generationIdOf('$edgeHub')).toBe(registry.modules.get('$edgeHub')?.generationId);
    expect(identities.primaryKeyOf('modA')).toBe(modA.primaryKey);
    expect([...registry.modules.keys()].sort()).toEqual(['$edgeAgent', '$edgeHub', 'byHand', 'modA', 'modB']);

    registry.calls.length = 0;
    await identities.sync(['modB', 'modA']);
    expect(registry.calls).toEqual([]);

    const reloaded = ModuleIdentities.in(dir, registry, 'edge1', DEVICE_KEY, silentLog());
    await reloaded.load();
    expect(reloaded.generationIdOf('modA')).toBe(modA.generationId);
    const otherDevice = ModuleIdentities.in(dir, registry, 'edge2', DEVICE_KEY, silentLog());
    await otherDevice.load();
    expect(otherDevice.generationIdOf('modA')).toBeUndefined();
  });

  it('reads the system modules only, from the cache first, and reports cloud failures', async () => {
    const dir = await tempDir();
    const registry = new FakeRegistry(DEVICE_KEY);
    const identities = ModuleIdentities.in(dir, registry, 'edge1', DEVICE_KEY, silentLog());
    const generationId = await identities.ensure('$edgeAgent');
    expect(generationId).toBe(registry.modules.get('$edgeAgent')?.generationId);
    expect(identities.generationIdOf('$edgeHub')).toBe(registry.modules.get('$edgeHub')?.generationId);
    expect(registry.calls).toEqual(['list']);
    registry.failing = true;
    expect(await identities.ensure('$edgeAgent')).toBe(generationId);
    await expect(identities.sync(['x'])).rejects.toThrow('cloud unreachable');
    registry.failing = false;
    registry.modules.delete('$edgeHub');
    await expect(ModuleIdentities.in(await tempDir(), registry, 'edge1', DEVICE_KEY, silentLog()).ensure('$edgeHub')).rejects.toMatchObject({
      code: 'AGT_IDENTITY_REQUEST_FAILED',
      message: "the cloud has no identity $edgeHub for edge device 'edge1' (it creates it with an IoT Edge device)",
    });
  });
});

describe('agent state files', () => {
  it('keeps the last valid deployment in a backup and reads it back', async () => {
    const dir = await tempDir();
    const config = DesiredConfig.in(dir);
    expect(config.reading.read.ok).toBe(false);
    expect(await config.accept({ ...edgeAgentDesired({ a: processModule('a') }), $version: 4 })).toBe('applied');
    expect(await config.accept({ ...edgeAgentDesired({ a: processModule('a') }), $version: 4 })).toBe('unchanged');
    expect(await config.accept({ ...edgeAgentDesired({ a: { type: 'process' } }), $version: 5 })).toBe('refused');
    expect(config.reading).toMatchObject({ version: 5, read: { ok: false } });
    expect(Object.keys(config.reading.config?.modules ?? {})).toEqual(['a']);
    const restarted = DesiredConfig.in(dir);
    expect(await restarted.loadBackup()).toBe(true);
    expect(restarted.reading).toMatchObject({ version: 4, read: { ok: true } });
    await writeFile(join(dir, 'desired-backup.json'), '{ torn');
    await expect(DesiredConfig.in(dir).loadBackup()).rejects.toMatchObject({ code: 'AGT_STATE_FILE_INVALID' });
  });

  it('applies a deployment whose backup cannot be written, and writes the backup once it can', async () => {
    const dir = await tempDir();
    const stateDir = join(dir, 'agent');
    await writeFile(stateDir, 'a file where the state directory should be'); // every write fails (ENOTDIR), as on a full disk
    const config = DesiredConfig.in(stateDir);
    expect(await config.accept({ ...edgeAgentDesired({ a: processModule('a') }), $version: 7 })).toBe('applied');
    expect(config.reading).toMatchObject({ version: 7, read: { ok: true } });
    expect(Object.keys(config.reading.config?.modules ?? {})).toEqual(['a']);
    expect(config.backupError).toMatchObject({ code: 'ENOTDIR' });
    expect(await config.saveBackup()).toBe(false);
    await rm(stateDir);
    expect(await config.saveBackup()).toBe(true);
    expect(config.backupError).toBeUndefined();
    const restarted = DesiredConfig.in(stateDir);
    expect(await restarted.loadBackup()).toBe(true);
    expect(restarted.reading).toMatchObject({ version: 7, read: { ok: true } });
  });

  it('persists the ledger atomically and rejects a damaged file', async () => {
    const dir = await tempDir();
    const store = LedgerStore.in(dir);
    expect(await store.load()).toEqual(EMPTY_LEDGER);
    const ledger = {
      health: new Map([['m', { generation: 3, restartCount: 2, lastRestartAtMs: 10 }]]),
      failures: new Map([['startModule:m', { generation: 3, kind: 'retryable' as const, attempts: 1, lastAttemptAtMs: 5, retryAtMs: 1005, message: 'boom', code: 'X' }]]),
    };
    await store.save(ledger);
    expect(await LedgerStore.in(dir).load()).toEqual(ledger);
    expect(JSON.parse(await readFile(store.filePath, 'utf8'))).toMatchObject({ version: 1 });
    await writeFile(store.filePath, JSON.stringify({ version: 1, health: { m: { generation: 'x' } }, failures: {} }));
    await expect(LedgerStore.in(dir).load()).rejects.toMatchObject({ code: 'AGT_STATE_FILE_INVALID' });
    await writeFile(store.filePath, JSON.stringify({ version: 9 }));
    await expect(LedgerStore.in(dir).load()).rejects.toThrow('version 9 is not 1');
  });
});

describe('injected environment (reference §6.1)', () => {
  it('gives modules every variable fromEnvironment needs, with the hub port when it is not 8883', () => {
    expect(injectedModuleEnv({ ...TEST_ENVIRONMENT, extraEnv: { RuntimeLogLevel: 'info' } }, { id: 'modA', type: 'docker' }, '637'))
      .toEqual({
        RuntimeLogLevel: 'info',
        IOTEDGE_WORKLOADURI: 'unix:///var/run/iotedge/workload.sock',
        IOTEDGE_DEVICEID: 'edge1',
        IOTEDGE_MODULEID: 'modA',
        IOTEDGE_IOTHUBHOSTNAME: 'hub.example',
        IOTEDGE_GATEWAYHOSTNAME: 'gateway.local',
        IOTEDGE_AUTHSCHEME: 'sasToken',
        IOTEDGE_MODULEGENERATIONID: '637',
        IOTEDGE_APIVERSION: '2020-07-07',
      });
    expect(gatewayHostWithPort({ gatewayHostName: 'gw', hubMqttPort: 28883 })).toBe('gw:28883');
    expect(gatewayHostWithPort({ gatewayHostName: 'gw', hubMqttPort: 8883 })).toBe('gw');
  });

  it('changes the runtime fingerprint with any injected setting', () => {
    const base = runtimeFingerprint(TEST_ENVIRONMENT);
    expect(runtimeFingerprint({ ...TEST_ENVIRONMENT })).toBe(base);
    expect(runtimeFingerprint({ ...TEST_ENVIRONMENT, hubMqttPort: 1883 })).not.toBe(base);
    expect(runtimeFingerprint({ ...TEST_ENVIRONMENT, workloadUri: () => 'http://127.0.0.1:1' })).not.toBe(base);
    expect(runtimeFingerprint({ ...TEST_ENVIRONMENT, extraEnv: { A: '1' } })).not.toBe(base);
  });
});
