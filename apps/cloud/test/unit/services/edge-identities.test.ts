import { afterEach, describe, expect, it } from 'vitest';
import type { ModuleDto } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { aKey, createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

// docs/edge-cloud.md "Identities and keys": system modules of IoT Edge devices and derived module keys.

let cloud: TestCloud;
afterEach(() => cloud?.close());

const sas = (primaryKey: string, secondaryKey: string) => ({ type: 'sas' as const, symmetricKey: { primaryKey, secondaryKey } });

function derivedKeys(deviceKeys: { primary: string; secondary: string }, m: ModuleDto): { primaryKey: string; secondaryKey: string } {
  return {
    primaryKey: deriveModuleKey(deviceKeys.primary, m.moduleId, m.generationId, 'primary'),
    secondaryKey: deriveModuleKey(deviceKeys.primary, m.moduleId, m.generationId, 'secondary'),
  };
}

function setup(): TestCloud {
  cloud = createTestCloud();
  return cloud;
}

async function createEdge(c: TestCloud, id = 'edge1', keys = { primary: aKey(1), secondary: aKey(2) }) {
  return (await c.services.devices.putDevice(id, { deviceId: id, capabilities: { iotEdge: true }, authentication: sas(keys.primary, keys.secondary) }, undefined)).device;
}

function identityEvents(c: TestCloud): string[] {
  const seen: string[] = [];
  c.bus.subscribe('identityChanged', (e) => seen.push(`${e.id.deviceId}/${e.id.moduleId ?? ''}:${e.change}`));
  return seen;
}

describe('system modules of IoT Edge devices', () => {
  it('creates $edgeAgent and $edgeHub with the device: managedBy iotEdge, derived keys, empty twins', async () => {
    const c = setup();
    await createEdge(c);
    const modules = await c.services.modules.listModules('edge1');
    expect(modules.map((m) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub']);
    for (const m of modules) {
      expect(m).toMatchObject({ deviceId: 'edge1', managedBy: 'iotEdge', connectionState: 'Disconnected', authentication: { type: 'sas' } });
      expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m));
      expect(await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: m.moduleId })).toMatchObject({
        version: 1,
        properties: { desired: { $version: 1 }, reported: { $version: 1 } },
      });
      // The device endpoint authenticates them with the derived keys.
      expect(await c.services.endpoint.getAuthRecord({ deviceId: 'edge1', moduleId: m.moduleId })).toMatchObject({
        isEdge: true,
        authentication: { type: 'sas', primaryKey: m.authentication.symmetricKey.primaryKey },
      });
    }
    expect(modules[0]?.generationId).not.toBe(modules[1]?.generationId);
  });

  it('gives a plain device none, and creates them when it becomes an IoT Edge device', async () => {
    const c = setup();
    await c.services.devices.putDevice('d', { deviceId: 'd', authentication: sas(aKey(1), aKey(2)) }, undefined);
    expect(await c.services.modules.listModules('d')).toEqual([]);
    const events = identityEvents(c);
    await c.services.devices.putDevice('d', { deviceId: 'd', capabilities: { iotEdge: true } }, '*');
    const modules = await c.services.modules.listModules('d');
    expect(modules.map((m) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub']);
    for (const m of modules) expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m));
    expect(events).toEqual(['d/:updated']);
  });

  it('takes over a $edgeAgent module the device had before it became an edge device', async () => {
    const c = setup();
    await c.services.devices.putDevice('d', { deviceId: 'd', authentication: sas(aKey(1), aKey(2)) }, undefined);
    const before = (await c.services.modules.putModule('d', '$edgeAgent', { moduleId: '$edgeAgent', managedBy: 'me', authentication: sas(aKey(7), aKey(8)) }, undefined)).module;
    const events = identityEvents(c);
    await c.services.devices.putDevice('d', { deviceId: 'd', capabilities: { iotEdge: true } }, '*');
    const after = await c.services.modules.getModule('d', '$edgeAgent');
    expect(after).toMatchObject({ generationId: before.generationId, managedBy: 'iotEdge' });
    expect(after.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, after));
    expect(events).toEqual(['d/:updated', 'd/$edgeAgent:updated']);
  });

  it('re-derives the keys of system modules and of modules with derived keys when the device keys change', async () => {
    const c = setup();
    await createEdge(c);
    const derivedModule = (await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor' }, undefined)).module;
    const ownKeys = (await c.services.modules.putModule('edge1', 'custom', { moduleId: 'custom', authentication: sas(aKey(7), aKey(8)) }, undefined)).module;
    expect(derivedModule.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, derivedModule));
    const events = identityEvents(c);
    await c.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, authentication: sas(aKey(3), aKey(4)) }, '*');
    const next = { primary: aKey(3), secondary: aKey(4) };
    for (const id of ['$edgeAgent', '$edgeHub', 'sensor']) {
      const m = await c.services.modules.getModule('edge1', id);
      expect(m.authentication.symmetricKey, id).toEqual(derivedKeys(next, m));
    }
    expect((await c.services.modules.getModule('edge1', 'custom')).authentication.symmetricKey).toEqual(ownKeys.authentication.symmetricKey);
    expect(events).toEqual(['edge1/:updated', 'edge1/$edgeAgent:updated', 'edge1/$edgeHub:updated', 'edge1/sensor:updated']);
  });

  it('derives both module keys from the device primary key: a new secondary leaves them, a new primary changes both', async () => {
    const c = setup();
    await createEdge(c);
    const before = await c.services.modules.getModule('edge1', '$edgeHub');
    await c.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, authentication: sas(aKey(1), aKey(9)) }, '*');
    const afterSecondary = await c.services.modules.getModule('edge1', '$edgeHub');
    expect(afterSecondary.authentication.symmetricKey).toEqual(before.authentication.symmetricKey);
    await c.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, authentication: sas(aKey(8), aKey(9)) }, '*');
    const after = await c.services.modules.getModule('edge1', '$edgeHub');
    expect(after.authentication.symmetricKey).toEqual({
      primaryKey: deriveModuleKey(aKey(8), '$edgeHub', after.generationId, 'primary'),
      secondaryKey: deriveModuleKey(aKey(8), '$edgeHub', after.generationId, 'secondary'),
    });
  });

  it('leaves the modules alone when a replace changes neither keys nor edge capability', async () => {
    const c = setup();
    await createEdge(c);
    const before = await c.services.modules.listModules('edge1');
    const events = identityEvents(c);
    await c.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, status: 'disabled' }, '*');
    expect(await c.services.modules.listModules('edge1')).toEqual(before);
    expect(events).toEqual(['edge1/:updated']);
  });

  it('deletes the system modules when the device stops being an edge device, and with the device', async () => {
    const c = setup();
    await createEdge(c);
    await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor' }, undefined);
    c.services.endpoint.saveMqttSession?.('edge1/$edgeHub', { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 }] });
    const events = identityEvents(c);
    await c.services.devices.putDevice('edge1', { deviceId: 'edge1' }, '*');
    expect((await c.services.modules.listModules('edge1')).map((m) => m.moduleId)).toEqual(['sensor']);
    expect(await c.store.twins.get({ deviceId: 'edge1', moduleId: '$edgeAgent' })).toBeUndefined();
    expect(await c.store.sessions.load('edge1/$edgeHub')).toBeUndefined();
    expect(events).toEqual(['edge1/:updated', 'edge1/$edgeAgent:deleted', 'edge1/$edgeHub:deleted']);
    await createEdge(c, 'edge2');
    await c.services.devices.deleteDevice('edge2', undefined);
    expect(await c.store.modules.list('edge2')).toEqual([]);
    expect(await c.store.twins.get({ deviceId: 'edge2', moduleId: '$edgeHub' })).toBeUndefined();
  });

  it('gives an X.509 edge device system modules with generated keys, derived ones once it has keys', async () => {
    const c = setup();
    const thumb = 'AB'.repeat(20);
    await c.services.devices.putDevice('x', { deviceId: 'x', capabilities: { iotEdge: true }, authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumb } } }, undefined);
    const [agent, hub] = await c.services.modules.listModules('x');
    expect(agent?.authentication.type).toBe('sas');
    expect(agent?.authentication.symmetricKey.primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(agent?.authentication.symmetricKey.primaryKey).not.toBe(hub?.authentication.symmetricKey.primaryKey);
    await c.services.devices.putDevice('x', { deviceId: 'x', capabilities: { iotEdge: true }, authentication: sas(aKey(5), aKey(6)) }, '*');
    for (const m of await c.services.modules.listModules('x')) expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(5), secondary: aKey(6) }, m));
  });

  it('refuses to delete a system module of an edge device on its own', async () => {
    const c = setup();
    await createEdge(c);
    await expectVergeRejection(c.services.modules.deleteModule('edge1', '$edgeAgent', '*'), 'CLD_MODULE_RESERVED', "module '$edgeAgent' is a system module of IoT Edge device 'edge1': it is deleted with the device (or when the device stops being an IoT Edge device), not on its own");
    expect(await c.services.modules.getModule('edge1', '$edgeAgent')).toBeDefined();
  });
});

describe('module keys on IoT Edge devices', () => {
  it('derives the keys a service leaves empty, keeps keys a service gives, and new generations get new keys', async () => {
    const c = setup();
    await createEdge(c);
    const m = (await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor', authentication: sas('', '') }, undefined)).module;
    expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m));
    expect(m.managedBy).toBeNull();
    const own = (await c.services.modules.putModule('edge1', 'own', { moduleId: 'own', authentication: sas(aKey(7), aKey(8)) }, undefined)).module;
    expect(own.authentication.symmetricKey).toEqual({ primaryKey: aKey(7), secondaryKey: aKey(8) });
    await c.services.modules.deleteModule('edge1', 'sensor', undefined);
    const again = (await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor' }, undefined)).module;
    expect(again.generationId).not.toBe(m.generationId);
    expect(again.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, again));
    expect(again.authentication.symmetricKey.primaryKey).not.toBe(m.authentication.symmetricKey.primaryKey);
  });

  it('lets a service replace a system module only with its derived keys; managedBy stays iotEdge', async () => {
    const c = setup();
    await createEdge(c);
    const agent = await c.services.modules.getModule('edge1', '$edgeAgent');
    // azure-iothub's updateModule sends back what it read.
    const same = (await c.services.modules.putModule('edge1', '$edgeAgent', { ...agent, managedBy: 'someone' }, agent.etag)).module;
    expect(same).toMatchObject({ managedBy: 'iotEdge', authentication: agent.authentication, generationId: agent.generationId });
    await expectVergeRejection(c.services.modules.putModule('edge1', '$edgeAgent', { moduleId: '$edgeAgent', authentication: sas(aKey(7), '') }, '*'), 'CLD_AUTHENTICATION_INVALID', `authentication.symmetricKey.primaryKey: module '$edgeAgent' of IoT Edge device 'edge1' must have the key derived from the device's primary key (HMAC-SHA256 of "$edgeAgent:${agent.generationId}:primary"); leave it empty to get it`);
  });

  it('gives modules the edge device creates derived keys and managedBy iotEdge, and refuses other keys', async () => {
    const c = setup();
    await createEdge(c);
    const m = (await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor' }, undefined, 'edgeDevice')).module;
    expect(m.managedBy).toBe('iotEdge');
    expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m));
    // The agent may send the keys it derived itself.
    const keys = derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m);
    expect((await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor', managedBy: 'IotEdge', authentication: sas(keys.primaryKey, keys.secondaryKey) }, '*', 'edgeDevice')).module).toMatchObject({
      managedBy: 'IotEdge',
      authentication: { symmetricKey: keys },
    });
    await expectVergeRejection(c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor', authentication: sas('', aKey(9)) }, '*', 'edgeDevice'), 'CLD_AUTHENTICATION_INVALID', `authentication.symmetricKey.secondaryKey: module 'sensor' of IoT Edge device 'edge1' must have the key derived from the device's primary key (HMAC-SHA256 of "sensor:${m.generationId}:secondary"); leave it empty to get it`);
    await expectVergeRejection(c.services.modules.putModule('edge1', 'other', { moduleId: 'other', authentication: { x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20) } } }, undefined, 'edgeDevice'), 'CLD_AUTHENTICATION_INVALID', "authentication.type: module 'other' of IoT Edge device 'edge1' authenticates with keys derived from the device's keys (type sas), not selfSigned");
    expect(await c.store.modules.get('edge1', 'other')).toBeUndefined();
  });

  it('lets the edge device replace a module a service created with keys of its own by one with derived keys', async () => {
    const c = setup();
    await createEdge(c);
    await c.services.modules.putModule('edge1', 'own', { moduleId: 'own', authentication: sas(aKey(7), aKey(8)) }, undefined);
    const events = identityEvents(c);
    const m = (await c.services.modules.putModule('edge1', 'own', { moduleId: 'own' }, '*', 'edgeDevice')).module;
    expect(m.authentication.symmetricKey).toEqual(derivedKeys({ primary: aKey(1), secondary: aKey(2) }, m));
    expect(events).toEqual(['edge1/own:updated']);
  });

  it("refuses the edge device ids starting with '$'", async () => {
    const c = setup();
    await createEdge(c);
    await expectVergeRejection(c.services.modules.putModule('edge1', '$edgeHub', { moduleId: '$edgeHub' }, '*', 'edgeDevice'), 'CLD_MODULE_RESERVED', "module '$edgeHub' is a system module of IoT Edge device 'edge1': the cloud creates it with the device, the device cannot write it");
    await expectVergeRejection(c.services.modules.putModule('edge1', '$mine', { moduleId: '$mine' }, undefined, 'edgeDevice'), 'CLD_MODULE_RESERVED', "module id '$mine': ids starting with '$' are reserved for system modules; the device may create only identities of the modules it deploys");
  });
});

describe('device scope', () => {
  it('lists the children with status and credentials and the edge device\'s own modules', async () => {
    const c = setup();
    const edge = await createEdge(c);
    const thumb = 'CD'.repeat(32);
    await c.services.devices.putDevice('leaf-b', { deviceId: 'leaf-b', deviceScope: edge.deviceScope, authentication: { x509Thumbprint: { primaryThumbprint: thumb } }, status: 'disabled' }, undefined);
    const leafA = (await c.services.devices.putDevice('leaf-a', { deviceId: 'leaf-a', deviceScope: edge.deviceScope, authentication: sas(aKey(5), aKey(6)) }, undefined)).device;
    await c.services.devices.putDevice('stranger', { deviceId: 'stranger' }, undefined);
    const nested = (await c.services.devices.putDevice('edge-child', { deviceId: 'edge-child', capabilities: { iotEdge: true }, parentScopes: [edge.deviceScope ?? ''] }, undefined)).device;
    const sensor = (await c.services.modules.putModule('edge1', 'sensor', { moduleId: 'sensor' }, undefined, 'edgeDevice')).module;
    const scope = await c.services.scope.getScope('edge1');
    const [agent, hub] = await c.services.modules.listModules('edge1');
    expect(scope).toEqual({
      deviceId: 'edge1',
      deviceScope: edge.deviceScope,
      devices: [
        { deviceId: 'edge-child', generationId: nested.generationId, status: 'enabled', authentication: nested.authentication, capabilities: { iotEdge: true } },
        { deviceId: 'leaf-a', generationId: leafA.generationId, status: 'enabled', authentication: leafA.authentication, capabilities: { iotEdge: false } },
        {
          deviceId: 'leaf-b',
          generationId: expect.any(String),
          status: 'disabled',
          authentication: { type: 'selfSigned', symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: { primaryThumbprint: thumb, secondaryThumbprint: null } },
          capabilities: { iotEdge: false },
        },
      ],
      modules: [agent, hub, sensor].map((m) => ({ moduleId: m?.moduleId, generationId: m?.generationId, managedBy: 'iotEdge', authentication: m?.authentication })),
    });
  });

  it('refuses unknown and non-edge devices', async () => {
    const c = setup();
    await c.services.devices.putDevice('plain', { deviceId: 'plain' }, undefined);
    await expectVergeRejection(c.services.scope.getScope('nope'), 'CLD_DEVICE_NOT_FOUND', "device 'nope' is not registered");
    await expectVergeRejection(c.services.scope.getScope('plain'), 'CLD_DEVICE_NOT_EDGE', "device 'plain' is not an IoT Edge device (capabilities.iotEdge is false), so it has no device scope");
  });
});
