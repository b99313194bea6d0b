import { describe, expect, it } from 'vitest';
import { configurationStatuses, prepareDeployments, selectDeployments, type Deployment, type DeploymentSelection } from '@verge/core';
import { aDeployment, aDevice } from './builders.js';

const prod = aDevice('prod-1', { environment: 'prod', ring: 1 });
const dev = aDevice('dev-1', { environment: 'dev' });

const idsOf = (ds: readonly Deployment[]) => ds.map((d) => d.id);
function summary(s: DeploymentSelection) {
  return { base: s.base?.id, layers: idsOf(s.layers), targeted: idsOf(s.targeted), outranked: idsOf(s.outranked) };
}

describe('selectDeployments: standard deployments (reference §10.2)', () => {
  it('applies only targeting deployments', () => {
    const ds = [aDeployment('prod-base', { targetCondition: "tags.environment='prod'" }), aDeployment('dev-base', { targetCondition: "tags.environment='dev'" })];
    expect(summary(selectDeployments(ds, prod))).toEqual({ base: 'prod-base', layers: [], targeted: ['prod-base'], outranked: [] });
    expect(summary(selectDeployments(ds, dev))).toEqual({ base: 'dev-base', layers: [], targeted: ['dev-base'], outranked: [] });
    expect(summary(selectDeployments(ds, aDevice('other')))).toEqual({ base: undefined, layers: [], targeted: [], outranked: [] });
  });

  it('applies exactly one: the highest priority; the others are outranked', () => {
    const ds = [aDeployment('low', { priority: 1 }), aDeployment('high', { priority: 50 }), aDeployment('mid', { priority: 10 })];
    expect(summary(selectDeployments(ds, prod))).toEqual({ base: 'high', layers: [], targeted: ['high', 'mid', 'low'], outranked: ['mid', 'low'] });
  });

  it('breaks a priority tie by creation time: the most recently created wins', () => {
    const ds = [aDeployment('older', { priority: 10, createdAtMs: 1000 }), aDeployment('newer', { priority: 10, createdAtMs: 2000 })];
    expect(summary(selectDeployments(ds, prod))).toEqual({ base: 'newer', layers: [], targeted: ['newer', 'older'], outranked: ['older'] });
    expect(summary(selectDeployments([...ds].reverse(), prod)).base).toBe('newer');
  });

  it('breaks a full tie by id, deterministically', () => {
    const ds = [aDeployment('a', { createdAtMs: 5 }), aDeployment('b', { createdAtMs: 5 })];
    expect(selectDeployments(ds, prod).base?.id).toBe('b');
    expect(selectDeployments([...ds].reverse(), prod).base?.id).toBe('b');
  });

  it('falls back to the next deployment when the device stops matching the winner', () => {
    const ds = [aDeployment('ring1', { priority: 20, targetCondition: 'tags.ring = 1' }), aDeployment('all', { priority: 1 })];
    expect(selectDeployments(ds, prod).base?.id).toBe('ring1');
    expect(selectDeployments(ds, { ...prod, tags: { environment: 'prod', ring: 2 } }).base?.id).toBe('all');
  });
});

describe('selectDeployments: layered deployments (reference §10.3)', () => {
  const base = aDeployment('base', { priority: 10, createdAtMs: 1000 });
  const layer = (id: string, priority: number, createdAtMs = 1000, targetCondition = '*') =>
    aDeployment(id, { layered: true, priority, createdAtMs, targetCondition, modulesContent: { m: { [`properties.desired.${id}`]: 1 } } });

  it('applies layers above the base, lowest rank first', () => {
    const ds = [layer('l30', 30), base, layer('l20', 20), layer('l20-newer', 20, 2000)];
    expect(summary(selectDeployments(ds, prod))).toEqual({
      base: 'base',
      layers: ['l20', 'l20-newer', 'l30'],
      targeted: ['l30', 'l20-newer', 'l20', 'base'],
      outranked: [],
    });
  });

  it('outranks layers of lower or equal priority than the base, even if newer', () => {
    const ds = [base, layer('lower', 5), layer('equal', 10, 9000), layer('higher', 11)];
    expect(summary(selectDeployments(ds, prod))).toEqual({
      base: 'base',
      layers: ['higher'],
      targeted: ['higher', 'equal', 'base', 'lower'],
      outranked: ['equal', 'lower'],
    });
  });

  it('measures layers against the base that applies, not against outranked standard deployments', () => {
    const ds = [aDeployment('old-base', { priority: 50, targetCondition: "tags.environment='prod'" }), aDeployment('new-base', { priority: 5, targetCondition: "tags.environment='dev'" }), layer('l20', 20)];
    expect(summary(selectDeployments(ds, prod))).toEqual({ base: 'old-base', layers: [], targeted: ['old-base', 'l20'], outranked: ['l20'] });
    expect(summary(selectDeployments(ds, dev))).toEqual({ base: 'new-base', layers: ['l20'], targeted: ['l20', 'new-base'], outranked: [] });
  });

  it('applies only layers that target the device', () => {
    const ds = [base, layer('dev-only', 20, 1000, "tags.environment='dev'"), layer('all', 20)];
    expect(summary(selectDeployments(ds, prod)).layers).toEqual(['all']);
    expect(summary(selectDeployments(ds, dev)).layers).toEqual(['all', 'dev-only']);
  });

  it('applies every targeting layer when no base targets the device', () => {
    expect(summary(selectDeployments([layer('a', 3), layer('b', 1)], prod))).toEqual({ base: undefined, layers: ['b', 'a'], targeted: ['a', 'b'], outranked: [] });
  });
});

describe('statuses, invalid deployments and preparation', () => {
  it('reports Applied / Targeted per deployment for the $edgeAgent twin', () => {
    const ds = [
      aDeployment('base', { priority: 10 }),
      aDeployment('old', { priority: 1 }),
      aDeployment('layer', { layered: true, priority: 20 }),
      aDeployment('low-layer', { layered: true, priority: 2 }),
      aDeployment('dev', { targetCondition: "tags.environment='dev'" }),
    ];
    expect(configurationStatuses(selectDeployments(ds, prod))).toEqual({ layer: 'Applied', base: 'Applied', 'low-layer': 'Targeted', old: 'Targeted' });
  });

  it('ignores invalid deployments and says why', () => {
    const ds = [aDeployment('good'), aDeployment('bad-target', { priority: 99, targetCondition: 'status = 1' }), aDeployment('good', { priority: 100 })];
    const s = selectDeployments(ds, prod);
    expect(s.base?.id).toBe('good');
    expect(s.invalid.map((i) => [i.deploymentId, i.errors.map((e) => e.message)])).toEqual([
      ['bad-target', ["target condition: column 1: a target condition may only reference deviceId, tags.* and properties.reported.*, found 'status'"]],
      ['good', ["deployment id 'good' is used by more than one deployment"]],
    ]);
  });

  it('selects the same from prepared deployments', () => {
    const ds = [aDeployment('a', { priority: 3 }), aDeployment('l', { layered: true, priority: 5, targetCondition: 'tags.ring = 1' })];
    const prepared = prepareDeployments(ds);
    for (const twin of [prod, dev]) expect(selectDeployments(prepared, twin)).toEqual(selectDeployments(ds, twin));
  });
});
