import { describe, expect, it } from 'vitest';
import { isOnline, moduleRows, notAsDesired, recentFailures, type EdgeAgentTwin } from '../../src/fleet/edge-agent.js';

function agent(desired: Record<string, unknown>, reported: Record<string, unknown>): EdgeAgentTwin {
  return { deviceId: 'edge1', properties: { desired: { $version: 4, ...desired }, reported } };
}

const desiredModules = {
  systemModules: { edgeAgent: { type: 'docker' }, edgeHub: { type: 'docker', status: 'running' } },
  modules: { sensor: { status: 'running', version: '1.2', settings: { image: 'sensor:1.2' } }, parked: { status: 'stopped', settings: { command: '/usr/bin/node', args: ['parked.mjs'] } } },
};
const healthy = {
  lastDesiredVersion: 4,
  lastDesiredStatus: { code: 200 },
  systemModules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running', restartCount: 0 } },
  modules: {
    sensor: { runtimeStatus: 'running', restartCount: 2, exitCode: 0, lastStartTimeUtc: '2030-01-01T00:00:00Z' },
    parked: { runtimeStatus: 'stopped' },
  },
};

describe('$edgeAgent twin reading', () => {
  it('lists system modules first, then modules, with what the agent reports beside what is desired', () => {
    const rows = moduleRows(agent(desiredModules, healthy));
    expect(rows.map((r) => r.id)).toEqual(['edgeAgent', 'edgeHub', 'parked', 'sensor']);
    expect(rows.find((r) => r.id === 'sensor')).toMatchObject({ desiredStatus: 'running', runtimeStatus: 'running', restartCount: 2, exitCode: 0, version: '1.2', image: 'sensor:1.2', lastStartTimeUtc: '2030-01-01T00:00:00Z' });
    expect(rows.find((r) => r.id === 'edgeHub')).toMatchObject({ system: true, desiredStatus: 'running' });
    expect(rows.find((r) => r.id === 'parked')).toMatchObject({ desiredStatus: 'stopped', image: '/usr/bin/node parked.mjs' });
  });

  it('finds a device as desired when the agent applied the version and every running module runs', () => {
    expect(notAsDesired(agent(desiredModules, healthy))).toEqual([]);
    expect(notAsDesired(agent({}, {}))).toEqual([]);
  });

  it('says why a device is not as desired', () => {
    expect(notAsDesired(agent(desiredModules, {}))).toEqual(['the edge agent has reported nothing yet']);
    const failing = {
      ...healthy,
      lastDesiredVersion: 3,
      lastDesiredStatus: { code: 400, description: 'bad image' },
      modules: { sensor: { runtimeStatus: 'backoff', exitCode: 137 } },
    };
    expect(notAsDesired(agent(desiredModules, failing))).toEqual([
      'desired version 4 not applied yet (agent at 3)',
      'last desired status 400: bad image',
      'module sensor is backoff (exit code 137)',
    ]);
    expect(notAsDesired(agent(desiredModules, { ...healthy, modules: {} }))).toEqual(['module sensor is not reported']);
  });

  it('lists failed and restarted modules, the newest exit first', () => {
    const a = agent(desiredModules, { ...healthy, modules: { ...healthy.modules, parked: { runtimeStatus: 'failed', exitCode: 1, lastExitTimeUtc: '2030-01-02T00:00:00Z' } } });
    expect(recentFailures([a]).map((f) => `${f.deviceId}/${f.row.id}`)).toEqual(['edge1/parked', 'edge1/sensor']);
  });
});

describe('online', () => {
  it('counts an IoT Edge device whose agent is connected as online', () => {
    expect(isOnline({ connectionState: 'Connected' }, undefined)).toBe(true);
    expect(isOnline({ connectionState: 'Disconnected' }, { deviceId: 'e', connectionState: 'Connected' })).toBe(true);
    expect(isOnline({ connectionState: 'Disconnected' }, { deviceId: 'e', connectionState: 'Disconnected' })).toBe(false);
  });
});
