import { describe, expect, it } from 'vitest';
import { countPlanChanges, explainDeployment, planDeviceWrites, totalPlanChanges } from '@verge/core';
import { aDeployment, aDevice, baseAgentDesired, baseHubDesired } from './builders.js';

const base = aDeployment('base', {
  modulesContent: {
    $edgeAgent: { 'properties.desired': baseAgentDesired() },
    $edgeHub: { 'properties.desired': baseHubDesired() },
    sensor: { 'properties.desired': { threshold: 42 } },
  },
});

function planFor(modules: Record<string, Record<string, unknown>>, statuses?: Record<string, { status: 'Applied' | 'Targeted' }>) {
  return planDeviceWrites({ explanation: explainDeployment([base], aDevice('d1')), modules, ...(statuses === undefined ? {} : { statuses }) });
}

describe('countPlanChanges', () => {
  it('counts modules, routes, other paths and created identities of a first deployment', () => {
    const plan = planFor({ $edgeAgent: {}, $edgeHub: {} });
    const c = countPlanChanges(plan.summary);
    expect(c).toMatchObject({ modulesAdded: 2, routesAdded: 2, modulesCreated: 1, modulesUpdated: 0, routesRemoved: 0 });
    expect(c.pathsChanged).toBe(plan.summary.paths.length);
    expect(c.total).toBe(2 + 2 + plan.summary.paths.length);
  });

  it('is zero for a device that already has the content', () => {
    const desired = (id: string) => explainDeployment([base], aDevice('d1')).modulesContent[id]?.['properties.desired'] ?? {};
    const plan = planFor({ $edgeAgent: desired('$edgeAgent'), $edgeHub: desired('$edgeHub'), sensor: desired('sensor') }, { base: { status: 'Applied' } });
    expect(plan.steps).toEqual([]);
    expect(countPlanChanges(plan.summary).total).toBe(0);
  });
});

describe('totalPlanChanges', () => {
  it('adds up device plans and tells devices that change from those that only get statuses', () => {
    const desired = (id: string) => explainDeployment([base], aDevice('d1')).modulesContent[id]?.['properties.desired'] ?? {};
    const first = planFor({ $edgeAgent: {}, $edgeHub: {} });
    const statusOnly = planFor({ $edgeAgent: desired('$edgeAgent'), $edgeHub: desired('$edgeHub'), sensor: desired('sensor') });
    const t = totalPlanChanges([first, statusOnly, first]);
    expect(t).toMatchObject({ devices: 3, devicesChanging: 2, devicesStatusOnly: 1, modulesAdded: 4, routesAdded: 4, modulesCreated: 2 });
    expect(t.total).toBe(2 * countPlanChanges(first.summary).total);
  });

  it('is all zeros for no devices', () => {
    expect(totalPlanChanges([])).toMatchObject({ devices: 0, devicesChanging: 0, devicesStatusOnly: 0, total: 0 });
  });
});
