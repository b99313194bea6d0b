import { describe, expect, it } from 'vitest';
import { edgeAgentDesired } from '@verge/testkit/manifest';
import { buildAgentReport, createDesiredReader, failingRule, readAgentDesired, startDelayMs, type AgentReading, type DeviceBehaviour, type FailRule } from '../../src/index.js';

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
const app = (image: string, extra: Record<string, unknown> = {}) => ({ version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image, createOptions: '{}' }, ...extra });
const desired = (modules: Record<string, unknown>, version = 7) => ({ ...edgeAgentDesired(modules), $version: version });
const behaviour = (failRules: FailRule[] = [], deviceId = 'd1'): DeviceBehaviour => ({ seed: 's', deviceId, failRules });

function report(reading: AgentReading, rules: FailRule[] = []) {
  return buildAgentReport({ behaviour: behaviour(rules), reading, runtimeStartedAtMs: T0, modulesStartedAtMs: T0 + 1500, nowMs: T0 + 2000 });
}

describe('simulated $edgeAgent reported properties', () => {
  it('reports every module running and 200 for the desired version, in the edge agent schema', () => {
    const r = report(readAgentDesired(desired({ app: app('repo/app:1.0'), idle: app('repo/idle:1', { status: 'stopped' }) }), undefined));
    expect(r).toMatchObject({ code: 200, version: 7, failedModules: [] });
    expect(r.doc).toMatchObject({
      schemaVersion: '1.0',
      version: { version: '0.1.0', build: 'verge-simulator' },
      lastDesiredVersion: 7,
      lastDesiredStatus: { code: 200, description: '' },
      runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
      systemModules: {
        edgeAgent: { runtimeStatus: 'running', lastStartTimeUtc: '2026-12-07T06:00:00' },
        edgeHub: { runtimeStatus: 'running', restartCount: 0 },
      },
      modules: {
        app: { runtimeStatus: 'running', status: 'running', exitCode: 0, restartCount: 0, lastStartTimeUtc: '2026-12-07T06:00:01.5', settings: { image: 'repo/app:1.0', createOptions: '{}' } },
        idle: { runtimeStatus: 'stopped', status: 'stopped', exitCode: 0 },
      },
    });
  });

  it('makes a selected module fail: 500 naming it, backoff (or failed under restart policy never), exit code 1', () => {
    const rules: FailRule[] = [{ selector: 'image', pattern: 'repo/app:2.*', rate: 1 }];
    const r = report(readAgentDesired(desired({ app: app('repo/app:2.0'), other: app('repo/other:1'), once: app('repo/app:2.1', { restartPolicy: 'never' }) }), undefined), rules);
    expect(r.code).toBe(500);
    expect(r.failedModules).toEqual(['app', 'once']);
    expect(r.doc['lastDesiredStatus']).toMatchObject({ code: 500, description: expect.stringContaining('startModule:app: simulated failure') as unknown });
    expect(r.doc['modules']).toMatchObject({
      app: { runtimeStatus: 'backoff', exitCode: 1, lastExitTimeUtc: '2026-12-07T06:00:01.5' },
      once: { runtimeStatus: 'failed', exitCode: 1 },
      other: { runtimeStatus: 'running' },
    });
  });

  it('can fail the edgeHub system module', () => {
    const r = report(readAgentDesired(desired({}), undefined), [{ selector: 'module', pattern: 'edgeHub', rate: 1 }]);
    expect(r.code).toBe(500);
    expect(r.doc['systemModules']).toMatchObject({ edgeHub: { runtimeStatus: 'backoff', exitCode: 1 }, edgeAgent: { runtimeStatus: 'running' } });
  });

  it('reports 417 before any deployment and keeps the last valid deployment when a new one is refused', () => {
    expect(report(readAgentDesired({ $version: 1 }, undefined))).toMatchObject({ code: 417, version: 1 });
    const good = readAgentDesired(desired({ app: app('repo/app:1.0') }), undefined);
    const refused = readAgentDesired({ schemaVersion: '1.1', $version: 8, modules: {} }, good);
    const r = report(refused);
    expect(r.code).toBe(400);
    expect(r.version).toBe(8);
    expect(r.doc['modules']).toMatchObject({ app: { runtimeStatus: 'running' } });
  });
});

describe('shared desired reader', () => {
  it('reads as readAgentDesired does, validating each distinct document once whatever its $version', () => {
    const read = createDesiredReader(2);
    const doc = desired({ app: app('repo/app:1.0') }, 3);
    expect(read(doc, undefined)).toEqual(readAgentDesired(doc, undefined));
    const again = read({ ...doc, $version: 4 }, undefined);
    expect(again).toEqual(readAgentDesired({ ...doc, $version: 4 }, undefined));
    expect(read({ $version: 9 }, undefined)).toMatchObject({ version: 9, read: { ok: false, faults: [{ statusCode: 417 }] }, config: undefined });
    const refused = read({ schemaVersion: '1.1', $version: 10 }, again);
    expect(refused).toMatchObject({ version: 10, read: { ok: false } });
    expect(refused.config).toBe(again.config);
  });
});

describe('seeded draws', () => {
  it('picks the same devices for the same image, about the rate of them, and others for another image', () => {
    const rules: FailRule[] = [{ selector: 'module', pattern: 'app', rate: 0.3 }];
    const ids = Array.from({ length: 2000 }, (_, i) => `dev-${i}`);
    const failing = (image: string) => ids.filter((id) => failingRule(behaviour(rules, id), 'app', image) !== undefined);
    const v2 = failing('repo/app:2.0');
    expect(v2.length / ids.length).toBeGreaterThan(0.27);
    expect(v2.length / ids.length).toBeLessThan(0.33);
    expect(failing('repo/app:2.0')).toEqual(v2);
    expect(failing('repo/app:3.0')).not.toEqual(v2);
    expect(failingRule(behaviour(rules, 'x'), 'other', 'repo/app:2.0')).toBeUndefined();
  });

  it('takes the highest rate of the matching rules', () => {
    const rules: FailRule[] = [
      { selector: 'module', pattern: 'app', rate: 0 },
      { selector: 'image', pattern: '*', rate: 1 },
    ];
    expect(failingRule(behaviour(rules), 'app', 'repo/app:1')?.rate).toBe(1);
  });

  it('draws start delays in the range, the same for a device and version', () => {
    const delays = Array.from({ length: 500 }, (_, i) => startDelayMs(behaviour([], `d${i}`), { minMs: 100, maxMs: 900 }, 3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(900);
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(startDelayMs(behaviour([], 'd1'), { minMs: 100, maxMs: 900 }, 3)).toBe(delays[1]);
    expect(startDelayMs(behaviour([], 'd1'), { minMs: 250, maxMs: 250 }, 3)).toBe(250);
  });
});
