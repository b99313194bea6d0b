import { describe, expect, it } from 'vitest';
import type { ConfigurationDto, ConfigurationPlanDto, EffectiveDeploymentDto } from '@verge/contracts';
import { statusCounts, statusLine } from '../../src/format/deployment-format.js';
import { changeMarks, effectiveLines, planLines, summaryLines } from '../../src/format/deployment-insight-format.js';

function configuration(results: ConfigurationDto['systemMetrics']['results']): ConfigurationDto {
  return {
    id: 'd',
    schemaVersion: '1.0',
    labels: {},
    content: { modulesContent: {} },
    contentType: 'assignment',
    targetCondition: '*',
    createdTimeUtc: '',
    lastUpdatedTimeUtc: '',
    priority: 1,
    systemMetrics: { queries: {}, results },
    metrics: { queries: {}, results: {} },
    etag: 'e',
    rollout: null,
  };
}

describe('deployment status counts', () => {
  it('is done only when every targeted device reported, and never with nothing targeted', () => {
    expect(statusCounts(configuration({ targetedCount: 0, appliedCount: 0, reportedSuccessfulCount: 0, reportedFailedCount: 0 })).done).toBe(false);
    const partial = statusCounts(configuration({ targetedCount: 3, appliedCount: 3, reportedSuccessfulCount: 1, reportedFailedCount: 1 }));
    expect(partial).toMatchObject({ pending: 1, done: false });
    expect(statusLine('d', partial)).toBe('deployment d: targeted 3, applied 3, succeeded 1, failed 1, pending 1');
    expect(statusCounts(configuration({ targetedCount: 3, appliedCount: 3, reportedSuccessfulCount: 2, reportedFailedCount: 1 })).done).toBe(true);
  });
});

describe('explain and dry-run text', () => {
  const summary = { modules: { added: ['a'], updated: ['b'], removed: ['c'] }, routes: { added: [], updated: [], removed: [] }, paths: [{ moduleId: 'm', path: 'x' }], createdModules: ['m'] };

  it('marks added, updated and removed ids, and names every kind of change', () => {
    expect(changeMarks(summary.modules)).toBe('+a ~b -c');
    expect(changeMarks(summary.routes)).toBe('-');
    expect(summaryLines({ ...summary, statuses: { before: {}, after: { d: 'Applied' } } })).toEqual([
      'modules: +a ~b -c',
      'twin paths: m:x',
      'module identities created: m',
      'statuses: (none) -> d=Applied',
    ]);
  });

  it('says why a device has nothing, and what is still pending', () => {
    const leaf: EffectiveDeploymentDto = { deviceId: 'leaf', edge: false, reason: 'not an IoT Edge device', modulesContent: {}, provenance: [], deployments: [], invalid: [], statuses: {}, inSync: true };
    expect(effectiveLines(leaf)).toEqual(['device leaf: not an IoT Edge device']);
    const pending: EffectiveDeploymentDto = {
      ...leaf,
      deviceId: 'e1',
      edge: true,
      deployments: [{ deploymentId: 'd', priority: 1, layered: false, createdTimeUtc: '', outcome: 'base', reason: 'the only one' }],
      invalid: [{ deploymentId: 'bad', errors: [{ code: 'TARGET_CONDITION_INVALID', message: 'nope' }] }],
      inSync: false,
      pending: summary,
    };
    const lines = effectiveLines(pending);
    expect(lines).toContain('  bad: TARGET_CONDITION_INVALID: nope');
    expect(lines).toContain('pending (evaluation has not written yet):');
    expect(lines).toContain('  modules: +a ~b -c');
  });

  it('prints the totals of a dry-run that lists no device', () => {
    const totals = { devices: 2, targeted: 0, devicesChanging: 0, devicesStatusOnly: 0, modulesAdded: 0, modulesUpdated: 0, modulesRemoved: 0, routesAdded: 0, routesUpdated: 0, routesRemoved: 0, pathsChanged: 0, modulesCreated: 0, total: 0 };
    const plan: ConfigurationPlanDto = { configurationId: 'x', draft: false, totals, devices: [] };
    expect(planLines(plan)).toEqual([
      'dry run of deployment x (nothing was changed)',
      '0 of 2 edge devices targeted; 0 would change, 0 only get statuses; modules +0 ~0 -0, routes +0 ~0 -0, other paths 0, module identities created 0',
    ]);
  });
});
