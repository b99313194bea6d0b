import { describe, expect, it } from 'vitest';
import { explainSelection, selectDeployments } from '@verge/core';
import { aDeployment, aDevice } from './builders.js';

const agent = { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: {} } } };
const layerContent = { $edgeHub: { 'properties.desired.routes.r1': 'FROM /messages/* INTO $upstream' } };

describe('explainSelection', () => {
  it('names the base, the layers above it in overlay order, and the outranked ones with their reasons', () => {
    const base = aDeployment('base', { priority: 10, modulesContent: agent });
    const lowBase = aDeployment('low-base', { priority: 5, modulesContent: agent });
    const l1 = aDeployment('l1', { layered: true, priority: 20, modulesContent: layerContent });
    const l2 = aDeployment('l2', { layered: true, priority: 30, modulesContent: layerContent });
    const under = aDeployment('under', { layered: true, priority: 10, modulesContent: layerContent });
    const verdicts = explainSelection(selectDeployments([base, lowBase, l1, l2, under], aDevice('d1')));
    expect(verdicts.map((v) => `${v.deploymentId}:${v.outcome}`)).toEqual(['l2:layer', 'l1:layer', 'under:outranked', 'base:base', 'low-base:outranked']);
    const by = (id: string) => verdicts.find((v) => v.deploymentId === id);
    expect(by('base')?.reason).toBe('the standard deployment with the highest priority (10) among 2 targeting the device');
    expect(by('l1')?.reason).toContain("priority 20 is above the base 'base' (10); overlaid 1st of 2 layers");
    expect(by('l2')?.reason).toContain('overlaid 2nd of 2 layers');
    expect(by('under')).toMatchObject({ outrankedBy: 'base', reason: "layered; priority 10 is not above the base 'base' (10): a layer applies only above its base" });
    expect(by('low-base')?.reason).toBe("outranked by the standard deployment 'base': priority 10 > 5; standard deployments are not merged");
  });

  it('says why the newest of two equal-priority bases wins', () => {
    const older = aDeployment('older', { priority: 10, createdAtMs: Date.UTC(2026, 0, 1), modulesContent: agent });
    const newer = aDeployment('newer', { priority: 10, createdAtMs: Date.UTC(2026, 0, 2), modulesContent: agent });
    const verdicts = explainSelection(selectDeployments([older, newer], aDevice('d1')));
    expect(verdicts[0]).toMatchObject({ deploymentId: 'newer', outcome: 'base' });
    expect(verdicts[0]?.reason).toBe("ties on priority 10 with 'older': equal priority 10; the most recently created wins ('newer' created 2026-01-02T00:00:00.000Z, 'older' 2026-01-01T00:00:00.000Z)");
    expect(verdicts[1]).toMatchObject({ deploymentId: 'older', outcome: 'outranked', outrankedBy: 'newer' });
  });

  it('falls back to the id when priority and creation time are equal', () => {
    const a = aDeployment('a', { modulesContent: agent });
    const b = aDeployment('b', { modulesContent: agent });
    const verdicts = explainSelection(selectDeployments([a, b], aDevice('d1')));
    expect(verdicts[0]?.deploymentId).toBe('b');
    expect(verdicts[0]?.reason).toContain('the greater id wins');
  });

  it('explains layers without a base, a lone base, and deployments a rollout has not admitted', () => {
    const l1 = aDeployment('l1', { layered: true, priority: 20, modulesContent: layerContent });
    expect(explainSelection(selectDeployments([l1], aDevice('d1')))[0]?.reason).toBe('layered; no standard deployment targets the device, so every targeting layer applies');
    const base = aDeployment('base', { modulesContent: agent });
    const staged = aDeployment('staged', { priority: 50, modulesContent: agent });
    const verdicts = explainSelection(selectDeployments([base], aDevice('d1')), [staged]);
    expect(verdicts.map((v) => `${v.deploymentId}:${v.outcome}`)).toEqual(['base:base', 'staged:notAdmitted']);
    expect(verdicts[0]?.reason).toBe('the only standard deployment targeting the device (priority 10)');
    expect(verdicts[1]?.reason).toContain('staged rollout has not admitted this device');
  });
});
