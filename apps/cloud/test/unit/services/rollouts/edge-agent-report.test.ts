import { describe, expect, it } from 'vitest';
import { edgeAgentReport } from '../../../../src/services/rollouts/edge-agent-report.js';
import type { TwinRecord } from '../../../../src/store/records.js';

function agentTwin(desired: Record<string, unknown>, reported: Record<string, unknown>, configurations?: TwinRecord['configurations']): TwinRecord {
  return {
    deviceId: 'd1',
    moduleId: '$edgeAgent',
    etag: 'e',
    version: 3,
    tags: {},
    properties: { desired: { $version: 7, ...desired }, reported: { $version: 4, ...reported } },
    ...(configurations === undefined ? {} : { configurations }),
  } as TwinRecord;
}

describe('edgeAgentReport', () => {
  it('reads versions, the status code, every module runtime status with its start time, and whether the deployment is applied', () => {
    const twin = agentTwin(
      {},
      {
        lastDesiredVersion: 7,
        lastDesiredStatus: { code: 200, description: '' },
        systemModules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running', lastStartTimeUtc: '2026-01-01T00:00:00Z' } },
        modules: { app: { runtimeStatus: 'backoff', lastStartTimeUtc: 'not a time' }, odd: 'x' },
      },
      { v2: { status: 'Applied' }, v1: { status: 'Targeted' } },
    );
    expect(edgeAgentReport(twin, 'v2')).toEqual({
      applied: true,
      desiredVersion: 7,
      lastDesiredVersion: 7,
      lastDesiredStatusCode: 200,
      modules: {
        'systemModules.edgeAgent': { runtimeStatus: 'running' },
        'systemModules.edgeHub': { runtimeStatus: 'running', sinceMs: Date.parse('2026-01-01T00:00:00Z') },
        'modules.app': { runtimeStatus: 'backoff' },
      },
    });
    expect(edgeAgentReport(twin, 'v1')?.applied).toBe(false);
  });

  it('leaves out what the agent has not reported (no twin: no report)', () => {
    expect(edgeAgentReport(agentTwin({}, { lastDesiredStatus: 'bad', modules: [] }), 'v2')).toEqual({ applied: false, desiredVersion: 7, modules: {} });
    expect(edgeAgentReport(undefined, 'v2')).toBeUndefined();
  });
});
