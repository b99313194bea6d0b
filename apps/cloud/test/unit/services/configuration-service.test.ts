import { afterEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { aKey, createTestCloud, type TestCloud } from '../../helpers/fixtures.js';
import { exampleManifest } from '@verge/testkit/manifest';

// docs/edge-cloud.md "Deployments": applyConfigurationContent on one edge device.

let cloud: TestCloud;
afterEach(() => cloud?.close());

async function setup(): Promise<TestCloud> {
  cloud = createTestCloud();
  await cloud.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, authentication: { type: 'sas', symmetricKey: { primaryKey: aKey(1), secondaryKey: aKey(2) } } }, undefined);
  await cloud.services.devices.putDevice('plain', { deviceId: 'plain' }, undefined);
  return cloud;
}

function desiredPatches(c: TestCloud): string[] {
  const seen: string[] = [];
  c.bus.subscribe('desiredPatched', (e) => seen.push(`${e.id.moduleId ?? ''}@${e.version}:${JSON.stringify(e.patch)}`));
  return seen;
}

describe('applyConfigurationContent', () => {
  it('replaces the desired properties of $edgeAgent, $edgeHub and the module twins, creating missing module identities', async () => {
    const c = await setup();
    const patches = desiredPatches(c);
    const manifest = exampleManifest();
    const result = await c.services.configurations.applyConfigurationContent('edge1', manifest);
    expect(result).toEqual({ deviceId: 'edge1', updated: ['$edgeAgent', '$edgeHub', 'sensor'], created: ['sensor'] });
    const content = manifest.modulesContent as Record<string, Record<string, Record<string, unknown>>>;
    for (const id of ['$edgeAgent', '$edgeHub', 'sensor']) {
      const twin = await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: id });
      expect(twin.properties.desired, id).toEqual({ ...content[id]?.['properties.desired'], $version: 2 });
      expect(twin.version).toBe(2);
    }
    const sensor = await c.services.modules.getModule('edge1', 'sensor');
    expect(sensor.managedBy).toBe('iotEdge');
    expect(sensor.authentication.symmetricKey).toEqual({
      primaryKey: deriveModuleKey(aKey(1), 'sensor', sensor.generationId, 'primary'),
      secondaryKey: deriveModuleKey(aKey(1), 'sensor', sensor.generationId, 'secondary'),
    });
    expect(patches.map((p) => p.split(':')[0])).toEqual(['$edgeAgent@2', '$edgeHub@2', 'sensor@2']);
    expect(patches[2]).toBe('sensor@2:{"threshold":42,"$version":2}');
  });

  it('pushes the difference on a second deployment and changes nothing for the same one', async () => {
    const c = await setup();
    await c.services.configurations.applyConfigurationContent('edge1', exampleManifest());
    const patches = desiredPatches(c);
    expect(await c.services.configurations.applyConfigurationContent('edge1', exampleManifest())).toEqual({ deviceId: 'edge1', updated: [], created: [] });
    expect(patches).toEqual([]);
    expect((await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: 'sensor' })).version).toBe(2);
    const next = exampleManifest({ threshold: 7 });
    const routes = (next.modulesContent['$edgeHub'] as { 'properties.desired': { routes: Record<string, unknown> } })['properties.desired'].routes;
    delete routes['alerts'];
    expect((await c.services.configurations.applyConfigurationContent('edge1', next)).updated).toEqual(['$edgeHub', 'sensor']);
    expect(patches).toEqual(['$edgeHub@3:{"routes":{"alerts":null},"$version":3}', 'sensor@3:{"threshold":7,"$version":3}']);
    expect((await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: '$edgeHub' })).properties.desired['routes']).not.toHaveProperty('alerts');
  });

  it('stores createOptions given as an object as the JSON string the twin holds, and accepts the wrapped form', async () => {
    const c = await setup();
    await c.services.configurations.applyConfigurationContent('edge1', { content: exampleManifest({ createOptions: { HostConfig: { Privileged: true } } }) });
    const desired = (await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: '$edgeAgent' })).properties.desired as { modules: { sensor: { settings: unknown } } };
    expect(desired.modules.sensor.settings).toEqual({ image: 'example.azurecr.io/sensor:1.0', createOptions: '{"HostConfig":{"Privileged":true}}' });
  });

  it('refuses an invalid manifest with every fault and writes nothing', async () => {
    const c = await setup();
    const patches = desiredPatches(c);
    const bad = exampleManifest();
    const agent = (bad.modulesContent['$edgeAgent'] as { 'properties.desired': { modules: { sensor: Record<string, unknown> } } })['properties.desired'];
    delete agent.modules.sensor['status'];
    agent.modules.sensor['restartPolicy'] = 'sometimes';
    bad.modulesContent['bad.id'] = { 'properties.desired': {} };
    bad.modulesContent['newmod'] = { 'properties.desired': { a: 1 } };
    let caught: unknown;
    try {
      await c.services.configurations.applyConfigurationContent('edge1', bad);
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'MANIFEST_INVALID')).toBe(true);
    const err = caught as Error & { details: { faults: { path: string; rule: string; message: string }[] } };
    expect(err.details.faults.map((f) => [f.path, f.rule])).toEqual([
      ['$edgeAgent.properties.desired.modules.sensor.restartPolicy', 'enum'],
      ['$edgeAgent.properties.desired.modules.sensor.status', 'required'],
      ['bad.id', 'module-id'],
    ]);
    expect(err.message).toBe(`the deployment manifest for device 'edge1' has 3 faults: ${err.details.faults.map((f) => f.message).join('; ')}`);
    expect(err.message).toMatch(/^the deployment manifest for device 'edge1' has 3 faults: \$edgeAgent\.properties\.desired\.modules\.sensor\.restartPolicy: .+; \$edgeAgent\.properties\.desired\.modules\.sensor\.status: required; bad\.id: module id "bad\.id" /);
    expect(patches).toEqual([]);
    expect(await c.store.modules.get('edge1', 'newmod')).toBeUndefined();
    expect((await c.services.twins.getTwin({ deviceId: 'edge1', moduleId: '$edgeAgent' })).version).toBe(1);
  });

  it('lists at most three faults in the message and the rest in details', async () => {
    const c = await setup();
    const content: Record<string, unknown> = { ...exampleManifest().modulesContent };
    for (const id of ['a.1', 'a.2', 'a.3', 'a.4', 'a.5']) content[id] = { 'properties.desired': {} };
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('edge1', { modulesContent: content }), 'MANIFEST_INVALID', /^the deployment manifest for device 'edge1' has 5 faults: a\.1: module id "a\.1" .*; a\.2: .*; a\.3: .* \(and 2 more\)$/);
  });

  it('refuses a route that does not compile, bodies that are no manifest, plain and unknown devices', async () => {
    const c = await setup();
    const bad = exampleManifest();
    (bad.modulesContent['$edgeHub'] as { 'properties.desired': { routes: Record<string, unknown> } })['properties.desired'].routes['alerts'] = 'FROM /messages/* INTO nowhere';
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('edge1', bad), 'MANIFEST_INVALID', `the deployment manifest for device 'edge1' has 1 fault: $edgeHub.properties.desired.routes.alerts: Route "alerts", column 23: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found 'nowhere'`);
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('edge1', undefined), 'MANIFEST_INVALID', `the deployment manifest for device 'edge1' has 1 fault: (root): must be an object { "modulesContent": { … } }`);
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('edge1', { deviceContent: {} }), 'MANIFEST_INVALID', "the deployment manifest for device 'edge1' has 1 fault: modulesContent: required");
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('plain', exampleManifest()), 'CLD_DEVICE_NOT_EDGE', "device 'plain' is not an IoT Edge device (capabilities.iotEdge is false), so it cannot run a deployment manifest");
    await expectVergeRejection(c.services.configurations.applyConfigurationContent('nope', exampleManifest()), 'CLD_DEVICE_NOT_FOUND', "device 'nope' is not registered");
  });
});
