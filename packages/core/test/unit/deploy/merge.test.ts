import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { explainDeployment, mergeDeployments, type ProvenanceEntry } from '@verge/core';
import { aDeployment, aDevice, baseAgentDesired, baseHubDesired } from './builders.js';

const ref = (deploymentId: string, priority: number) => ({ deploymentId, priority });
const line = (e: ProvenanceEntry) =>
  `${e.moduleId}/${e.path} <- ${e.deploymentId}@${e.priority}${e.overridden.length > 0 ? ` over ${e.overridden.map((o) => o.deploymentId).join(',')}` : ''}${e.removed ? ' (removed)' : ''}`;

// A base with systemModules, modules and routes, and two layers: one adds a module (with its twin) and a route,
// the other overrides one module's image, one route and one module-twin property.
const base = aDeployment('prod-base', {
  priority: 10,
  createdAtMs: 1000,
  targetCondition: "tags.environment='prod'",
  modulesContent: {
    $edgeAgent: { 'properties.desired': baseAgentDesired() },
    $edgeHub: { 'properties.desired': baseHubDesired() },
    sensor: { 'properties.desired': { threshold: 42, unit: 'C' } },
  },
});
const monitoring = aDeployment('monitoring', {
  layered: true,
  priority: 20,
  createdAtMs: 2000,
  targetCondition: "tags.environment='prod'",
  modulesContent: {
    $edgeAgent: {
      'properties.desired.modules.metrics': { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'example.azurecr.io/metrics:1.0' } },
    },
    $edgeHub: { 'properties.desired.routes.metricsToCloud': 'FROM /messages/modules/metrics/* INTO $upstream' },
    metrics: { 'properties.desired': { intervalSecs: 60 } },
  },
});
const sensorV2 = aDeployment('sensor-v2', {
  layered: true,
  priority: 30,
  createdAtMs: 1500,
  targetCondition: 'tags.ring = 1',
  modulesContent: {
    $edgeAgent: { 'properties.desired.modules.sensor.settings.image': 'example.azurecr.io/sensor:2.0' },
    $edgeHub: { 'properties.desired.routes.alerts': 'FROM /messages/modules/filter/outputs/alert WHERE $body.level >= 5 INTO $upstream' },
    sensor: { 'properties.desired.threshold': 50 },
  },
});

describe('mergeDeployments: a realistic base with two layers', () => {
  const merged = mergeDeployments(base, [sensorV2, monitoring]);

  it('overlays the layers in priority order onto the base', () => {
    const agent = baseAgentDesired() as { modules: Record<string, { settings: Record<string, unknown> }> };
    (agent.modules['sensor'] as { settings: Record<string, unknown> }).settings['image'] = 'example.azurecr.io/sensor:2.0';
    agent.modules['metrics'] = { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'example.azurecr.io/metrics:1.0' } } as never;
    const hub = baseHubDesired() as { routes: Record<string, string> };
    hub.routes['alerts'] = 'FROM /messages/modules/filter/outputs/alert WHERE $body.level >= 5 INTO $upstream';
    hub.routes['metricsToCloud'] = 'FROM /messages/modules/metrics/* INTO $upstream';
    expect(merged.modulesContent).toEqual({
      $edgeAgent: { 'properties.desired': agent },
      $edgeHub: { 'properties.desired': hub },
      metrics: { 'properties.desired': { intervalSecs: 60 } },
      sensor: { 'properties.desired': { threshold: 50, unit: 'C' } },
    });
    expect(Object.keys(merged.modulesContent)).toEqual(['$edgeAgent', '$edgeHub', 'metrics', 'sensor']);
  });

  it('explains every unit: who set it and whom it overrode', () => {
    expect(merged.provenance.map(line)).toEqual([
      '$edgeAgent/modules.filter <- prod-base@10',
      '$edgeAgent/modules.metrics <- monitoring@20',
      '$edgeAgent/modules.sensor.env <- prod-base@10',
      '$edgeAgent/modules.sensor.restartPolicy <- prod-base@10',
      '$edgeAgent/modules.sensor.settings.createOptions <- prod-base@10',
      '$edgeAgent/modules.sensor.settings.image <- sensor-v2@30 over prod-base',
      '$edgeAgent/modules.sensor.startupOrder <- prod-base@10',
      '$edgeAgent/modules.sensor.status <- prod-base@10',
      '$edgeAgent/modules.sensor.type <- prod-base@10',
      '$edgeAgent/modules.sensor.version <- prod-base@10',
      '$edgeAgent/runtime <- prod-base@10',
      '$edgeAgent/schemaVersion <- prod-base@10',
      '$edgeAgent/systemModules.edgeAgent <- prod-base@10',
      '$edgeAgent/systemModules.edgeHub <- prod-base@10',
      '$edgeHub/routes.alerts <- sensor-v2@30 over prod-base',
      '$edgeHub/routes.metricsToCloud <- monitoring@20',
      '$edgeHub/routes.sensorToFilter <- prod-base@10',
      '$edgeHub/schemaVersion <- prod-base@10',
      '$edgeHub/storeAndForwardConfiguration <- prod-base@10',
      'metrics/intervalSecs <- monitoring@20',
      'sensor/threshold <- sensor-v2@30 over prod-base',
      'sensor/unit <- prod-base@10',
    ]);
    expect(merged.provenance.find((e) => e.path === 'routes.alerts')).toEqual({
      moduleId: '$edgeHub',
      path: 'routes.alerts',
      deploymentId: 'sensor-v2',
      priority: 30,
      overridden: [ref('prod-base', 10)],
    });
  });

  it('does not depend on the order layers are passed in', () => {
    expect(mergeDeployments(base, [monitoring, sensorV2])).toEqual(merged);
  });

  it('is what explainDeployment reports for a device both layers target', () => {
    const outranked = aDeployment('old-base', { priority: 10, createdAtMs: 500, modulesContent: { $edgeAgent: { 'properties.desired': { schemaVersion: '1.0' } } } });
    const lowLayer = aDeployment('low-layer', { layered: true, priority: 10, modulesContent: { $edgeHub: { 'properties.desired.routes.x': 'FROM /* INTO $upstream' } } });
    const explanation = explainDeployment([outranked, base, monitoring, sensorV2, lowLayer], aDevice('edge-1', { environment: 'prod', ring: 1 }));
    expect(explanation.modulesContent).toEqual(merged.modulesContent);
    expect(explanation.provenance).toEqual(merged.provenance);
    expect(explanation.selection.base?.id).toBe('prod-base');
    expect(explanation.selection.layers.map((d) => d.id)).toEqual(['monitoring', 'sensor-v2']);
    expect(explanation.statuses).toEqual({ 'sensor-v2': 'Applied', monitoring: 'Applied', 'prod-base': 'Applied', 'low-layer': 'Targeted', 'old-base': 'Targeted' });
  });

  it('explains a device of the other ring without sensor-v2', () => {
    const explanation = explainDeployment([base, monitoring, sensorV2], aDevice('edge-2', { environment: 'prod', ring: 2 }));
    expect(explanation.modulesContent['sensor']).toEqual({ 'properties.desired': { threshold: 42, unit: 'C' } });
    expect(explanation.provenance.filter((e) => e.deploymentId !== 'prod-base').map(line)).toEqual([
      '$edgeAgent/modules.metrics <- monitoring@20',
      '$edgeHub/routes.metricsToCloud <- monitoring@20',
      'metrics/intervalSecs <- monitoring@20',
    ]);
    expect(explanation.provenance.map((e) => `${e.moduleId}/${e.path}`)).toContain('$edgeAgent/modules.sensor'); // not split
  });
});

describe('mergeDeployments: merge rules', () => {
  const simpleBase = aDeployment('base', {
    modulesContent: {
      $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: { a: { image: 'a:1' }, b: { image: 'b:1' } } } },
      mod: { 'properties.desired': { x: 1, y: 2, nested: { p: 1 } } },
    },
  });
  const layer = (id: string, priority: number, modulesContent: Record<string, Record<string, unknown>>, createdAtMs = 1000) =>
    aDeployment(id, { layered: true, priority, createdAtMs, modulesContent });

  it('lets the higher priority win on the same path, whatever the creation order', () => {
    const l1 = layer('l1', 20, { $edgeAgent: { 'properties.desired.modules.c': { image: 'c:1' } } }, 5000);
    const l2 = layer('l2', 30, { $edgeAgent: { 'properties.desired.modules.c': { image: 'c:2' } } }, 1);
    const m = mergeDeployments(simpleBase, [l1, l2]);
    expect(m.modulesContent['$edgeAgent']?.['properties.desired']).toEqual({ schemaVersion: '1.1', modules: { a: { image: 'a:1' }, b: { image: 'b:1' }, c: { image: 'c:2' } } });
    expect(m.provenance.filter((e) => e.path === 'modules.c').map(line)).toEqual(['$edgeAgent/modules.c <- l2@30 over l1']);
  });

  it('breaks a priority tie between layers by creation time', () => {
    const older = layer('older', 20, { mod: { 'properties.desired.x': 'old' } }, 1000);
    const newer = layer('newer', 20, { mod: { 'properties.desired.x': 'new' } }, 2000);
    for (const layers of [[older, newer], [newer, older]]) {
      const m = mergeDeployments(simpleBase, layers);
      expect(m.modulesContent['mod']?.['properties.desired']['x']).toBe('new');
      expect(m.provenance.filter((e) => e.path === 'x').map(line)).toEqual(['mod/x <- newer@20 over older,base']);
    }
  });

  it('merges different paths', () => {
    const m = mergeDeployments(simpleBase, [
      layer('l1', 20, { mod: { 'properties.desired.nested.q': 2 } }),
      layer('l2', 30, { mod: { 'properties.desired.z': 3 } }),
    ]);
    expect(m.modulesContent['mod']?.['properties.desired']).toEqual({ x: 1, y: 2, nested: { p: 1, q: 2 }, z: 3 });
    expect(m.provenance.filter((e) => e.moduleId === 'mod').map(line)).toEqual([
      'mod/nested.p <- base@10',
      'mod/nested.q <- l1@20',
      'mod/x <- base@10',
      'mod/y <- base@10',
      'mod/z <- l2@30',
    ]);
  });

  it('lets a layer setting a module’s whole properties.desired overwrite lower ones for that module', () => {
    const m = mergeDeployments(simpleBase, [
      layer('l1', 20, { mod: { 'properties.desired.w': 9 } }),
      layer('full', 30, { mod: { 'properties.desired': { y: 20, v: 5 } } }),
      layer('l3', 40, { mod: { 'properties.desired.u': 7 } }),
    ]);
    expect(m.modulesContent['mod']?.['properties.desired']).toEqual({ y: 20, v: 5, u: 7 });
    expect(m.provenance.filter((e) => e.moduleId === 'mod').map(line)).toEqual([
      'mod/nested <- full@30 over base (removed)',
      'mod/u <- l3@40',
      'mod/v <- full@30',
      'mod/w <- full@30 over l1 (removed)',
      'mod/x <- full@30 over base (removed)',
      'mod/y <- full@30 over base',
    ]);
  });

  it('reports a module or route that a higher layer replaced its parent without', () => {
    const m = mergeDeployments(simpleBase, [
      layer('adds-c', 20, { $edgeAgent: { 'properties.desired.modules.c': { image: 'c:1' } } }),
      layer('only-d', 30, { $edgeAgent: { 'properties.desired.modules': { d: { image: 'd:1' } } } }),
    ]);
    expect(m.modulesContent['$edgeAgent']?.['properties.desired']).toEqual({ schemaVersion: '1.1', modules: { d: { image: 'd:1' } } });
    expect(m.provenance.filter((e) => e.path.startsWith('modules')).map(line)).toEqual([
      '$edgeAgent/modules.a <- only-d@30 over base (removed)',
      '$edgeAgent/modules.b <- only-d@30 over base (removed)',
      '$edgeAgent/modules.c <- only-d@30 over adds-c (removed)',
      '$edgeAgent/modules.d <- only-d@30',
    ]);
  });

  it('removes a path set to null (a twin cannot hold null) and drops null members', () => {
    const m = mergeDeployments(simpleBase, [layer('drop', 20, { $edgeAgent: { 'properties.desired.modules.b': null }, mod: { 'properties.desired.nested': { p: null, r: 1 } } })]);
    expect(m.modulesContent['$edgeAgent']?.['properties.desired']).toEqual({ schemaVersion: '1.1', modules: { a: { image: 'a:1' } } });
    expect(m.modulesContent['mod']?.['properties.desired']).toEqual({ x: 1, y: 2, nested: { r: 1 } });
    expect(m.provenance.filter((e) => e.deploymentId === 'drop').map(line)).toEqual(['$edgeAgent/modules.b <- drop@20 over base (removed)', 'mod/nested <- drop@20 over base']);
  });

  it('writes through a non-object and reports what it replaced', () => {
    const m = mergeDeployments(simpleBase, [layer('deep', 20, { mod: { 'properties.desired.x.deeper': true } })]);
    expect(m.modulesContent['mod']?.['properties.desired']).toEqual({ x: { deeper: true }, y: 2, nested: { p: 1 } });
    expect(m.provenance.filter((e) => e.deploymentId === 'deep').map(line)).toEqual(['mod/x.deeper <- deep@20 over base']);
  });

  it('splits a unit down to a layer’s deep write (layered registry credentials)', () => {
    const b = aDeployment('b', { modulesContent: { $edgeAgent: { 'properties.desired': { runtime: { type: 'docker', settings: { registryCredentials: { hub: { address: 'h' } } } } } } } });
    const m = mergeDeployments(b, [layer('creds', 20, { $edgeAgent: { 'properties.desired.runtime.settings.registryCredentials.acr': { address: 'a.azurecr.io' } } })]);
    expect(m.provenance.map(line)).toEqual([
      '$edgeAgent/runtime.settings.registryCredentials.acr <- creds@20',
      '$edgeAgent/runtime.settings.registryCredentials.hub <- b@10',
      '$edgeAgent/runtime.type <- b@10',
    ]);
  });

  it('merges layers without a base, and nothing from nothing', () => {
    const m = mergeDeployments(undefined, [layer('l', 5, { $edgeHub: { 'properties.desired.routes.r1': 'FROM /* INTO $upstream' } })]);
    expect(m.modulesContent).toEqual({ $edgeHub: { 'properties.desired': { routes: { r1: 'FROM /* INTO $upstream' } } } });
    expect(m.provenance.map(line)).toEqual(['$edgeHub/routes.r1 <- l@5']);
    expect(mergeDeployments(undefined, [])).toEqual({ modulesContent: {}, provenance: [] });
  });

  it('shows an empty collection and an empty module twin as units', () => {
    const m = mergeDeployments(aDeployment('e', { modulesContent: { $edgeAgent: { 'properties.desired': { modules: {} } }, mod: { 'properties.desired': {} } } }), []);
    expect(m.provenance.map(line)).toEqual(['$edgeAgent/modules <- e@10', 'mod/ <- e@10']);
  });

  it('does not alias the deployments’ content', () => {
    const m = mergeDeployments(simpleBase, []);
    (m.modulesContent['mod']?.['properties.desired'] as Record<string, unknown>)['x'] = 99;
    expect((simpleBase.content.modulesContent['mod']?.['properties.desired'] as Record<string, unknown>)['x']).toBe(1);
  });

  it('throws TARGET_DEPLOYMENT_CONTENT_INVALID for content checkDeployment refuses', () => {
    try {
      mergeDeployments(aDeployment('bad', { modulesContent: { m: { foo: 1 } } }), []);
      expect.unreachable();
    } catch (e) {
      expect(isVergeError(e, 'TARGET_DEPLOYMENT_CONTENT_INVALID') && e.message).toBe(
        "deployment 'bad': modulesContent.m: key 'foo': expected 'properties.desired' or 'properties.desired.<path>'",
      );
    }
  });

  it('keeps a __proto__ key as data', () => {
    const m = mergeDeployments(aDeployment('p', { modulesContent: { mod: { 'properties.desired': JSON.parse('{"__proto__":{"polluted":1}}') as Record<string, unknown> } } }), []);
    const desired = m.modulesContent['mod']?.['properties.desired'] as Record<string, unknown>;
    expect(Object.keys(desired)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
