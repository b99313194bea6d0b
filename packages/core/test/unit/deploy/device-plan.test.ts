import { describe, expect, it } from 'vitest';
import { explainDeployment, planDeviceWrites, type DevicePlanInput } from '@verge/core';
import { aDeployment, aDevice, baseAgentDesired, baseHubDesired } from './builders.js';

const base = aDeployment('base', {
  priority: 10,
  modulesContent: {
    $edgeAgent: { 'properties.desired': baseAgentDesired() },
    $edgeHub: { 'properties.desired': baseHubDesired() },
    sensor: { 'properties.desired': { threshold: 42 } },
  },
});
const layer = aDeployment('layer', {
  layered: true,
  priority: 20,
  modulesContent: {
    $edgeAgent: { 'properties.desired.modules.metrics': { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'm:1' } } },
    $edgeHub: { 'properties.desired.routes.metricsToCloud': 'FROM /messages/modules/metrics/* INTO $upstream' },
  },
});
const low = aDeployment('low', { priority: 1, modulesContent: { $edgeAgent: { 'properties.desired': baseAgentDesired() } } });

function inputFor(deployments: Parameters<typeof explainDeployment>[0], stored: Partial<DevicePlanInput> = {}): DevicePlanInput {
  return { explanation: explainDeployment(deployments, aDevice('d1')), modules: { $edgeAgent: {}, $edgeHub: {} }, ...stored };
}

describe('planDeviceWrites', () => {
  it('creates missing module identities, replaces the desired of every named module and writes statuses', () => {
    const plan = planDeviceWrites(inputFor([base, low]));
    expect(plan.steps.map((s) => `${s.action}:${'moduleId' in s ? s.moduleId : ''}`)).toEqual([
      'replaceDesired:$edgeAgent',
      'replaceDesired:$edgeHub',
      'createModule:sensor',
      'replaceDesired:sensor',
      'setStatuses:',
    ]);
    expect(plan.steps.at(-1)).toEqual({ action: 'setStatuses', statuses: { base: { status: 'Applied' }, low: { status: 'Targeted' } } });
    expect(plan.summary.modules).toEqual({ added: ['filter', 'sensor'], updated: [], removed: [] });
    expect(plan.summary.routes).toEqual({ added: ['alerts', 'sensorToFilter'], updated: [], removed: [] });
    expect(plan.summary.createdModules).toEqual(['sensor']);
    expect(plan.summary.paths).toContainEqual({ moduleId: '$edgeAgent', path: 'systemModules.edgeHub' });
    expect(plan.summary.paths).toContainEqual({ moduleId: 'sensor', path: 'threshold' });
  });

  it('plans nothing when the stored twins already hold the merged content and statuses', () => {
    const first = inputFor([base, layer]);
    const desiredOf = (id: string) => first.explanation.modulesContent[id]?.['properties.desired'] ?? {};
    const plan = planDeviceWrites({
      ...first,
      modules: { $edgeAgent: { ...desiredOf('$edgeAgent'), $version: 7 }, $edgeHub: desiredOf('$edgeHub'), sensor: desiredOf('sensor') },
      statuses: { base: { status: 'Applied' }, layer: { status: 'Applied' } },
    });
    expect(plan.steps).toEqual([]);
    expect(plan.summary.statuses).toBeUndefined();
  });

  it('summarizes a layer added on top of an applied base: one module and one route added, the patch only carries them', () => {
    const applied = inputFor([base]);
    const desiredOf = (id: string) => applied.explanation.modulesContent[id]?.['properties.desired'] ?? {};
    const plan = planDeviceWrites({
      ...inputFor([base, layer]),
      modules: { $edgeAgent: desiredOf('$edgeAgent'), $edgeHub: desiredOf('$edgeHub'), sensor: desiredOf('sensor') },
      statuses: { base: { status: 'Applied' } },
    });
    expect(plan.summary.modules).toEqual({ added: ['metrics'], updated: [], removed: [] });
    expect(plan.summary.routes).toEqual({ added: ['metricsToCloud'], updated: [], removed: [] });
    expect(plan.summary.paths).toEqual([]);
    const agent = plan.steps.find((s) => s.action === 'replaceDesired' && s.moduleId === '$edgeAgent');
    expect(agent).toMatchObject({ patch: { modules: { metrics: { settings: { image: 'm:1' } } } } });
    expect(plan.summary.statuses).toEqual({ before: { base: 'Applied' }, after: { base: 'Applied', layer: 'Applied' } });
  });

  it('reports modules removed and updated when the base changes', () => {
    const v2 = aDeployment('base-v2', {
      priority: 30,
      modulesContent: { $edgeAgent: { 'properties.desired': { ...baseAgentDesired(), modules: { sensor: { version: '2.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 's:2' } } } } } },
    });
    const applied = inputFor([base]);
    const plan = planDeviceWrites({
      ...inputFor([base, v2]),
      modules: { $edgeAgent: applied.explanation.modulesContent.$edgeAgent?.['properties.desired'] ?? {}, $edgeHub: {}, sensor: {} },
    });
    expect(plan.summary.modules).toEqual({ added: [], updated: ['sensor'], removed: ['filter'] });
    expect(plan.steps.find((s) => s.action === 'replaceDesired' && s.moduleId === '$edgeAgent')).toMatchObject({ patch: { modules: { filter: null } } });
  });

  it('keeps what a device has when no deployment targets it any more, and clears its statuses', () => {
    const plan = planDeviceWrites({
      explanation: explainDeployment([], aDevice('d1')),
      modules: { $edgeAgent: baseAgentDesired(), $edgeHub: baseHubDesired() },
      statuses: { base: { status: 'Applied' } },
    });
    expect(plan.steps).toEqual([{ action: 'setStatuses', statuses: {} }]);
  });

  it('writes the restore content only when no deployment applies', () => {
    const restore = { $edgeAgent: { schemaVersion: '1.1', modules: {} } };
    const untargeted = planDeviceWrites({ explanation: explainDeployment([], aDevice('d1')), modules: { $edgeAgent: baseAgentDesired() }, restore });
    expect(untargeted.steps).toEqual([
      { action: 'replaceDesired', moduleId: '$edgeAgent', desired: restore.$edgeAgent, patch: expect.objectContaining({ modules: { filter: null, sensor: null } }) },
    ]);
    const targeted = planDeviceWrites({ ...inputFor([base]), restore });
    expect(targeted.steps.filter((s) => s.action === 'replaceDesired')).toHaveLength(3);
  });
});
