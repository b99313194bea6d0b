import { describe, expect, it } from 'vitest';
import { DEFAULT_STARTUP_ORDER } from '@verge/contracts';
import { computeModuleReport, computeSystemModuleReport, formatDotNetTime, type ModuleHealth, type StepFailure } from '@verge/core';
import { aModule, aProcessModule, anExitedModule, anObservedModule, desiredOf, imagesOf, observedOf, T0 } from './builders.js';

// Reported properties in the Azure schema (reference azure-iot-edge.md §2.1, §2.3, §2.5).

describe('formatDotNetTime: .NET round-trip without zone, trailing zeros dropped', () => {
  const rows: [number | undefined, string][] = [
    [undefined, '0001-01-01T00:00:00'],
    [Number.NaN, '0001-01-01T00:00:00'],
    [Number.POSITIVE_INFINITY, '0001-01-01T00:00:00'],
    [0, '1970-01-01T00:00:00'],
    [Date.UTC(2021, 5, 12, 0, 27, 46, 383), '2021-06-12T00:27:46.383'],
    [Date.UTC(2021, 5, 12, 0, 27, 46, 380), '2021-06-12T00:27:46.38'],
    [Date.UTC(2021, 5, 12, 0, 27, 46, 300), '2021-06-12T00:27:46.3'],
    [Date.UTC(2021, 5, 12, 0, 27, 46, 7), '2021-06-12T00:27:46.007'],
    [Date.UTC(1969, 11, 31, 23, 59, 59, 999), '1969-12-31T23:59:59.999'],
    [Date.UTC(2021, 5, 12) + 0.9, '2021-06-12T00:00:00'],
    [-62_135_596_800_000, '0001-01-01T00:00:00'],
    [-62_135_596_800_001, '0001-01-01T00:00:00'],
    [-62_135_596_799_000, '0001-01-01T00:00:01'],
    [253_402_300_799_999, '9999-12-31T23:59:59.999'],
    [253_402_300_800_000, '9999-12-31T23:59:59.9999999'],
  ];
  it.each(rows)('%s → %s', (ms, text) => {
    expect(formatDotNetTime(ms)).toBe(text);
  });
});

const sensor = aModule('sensor', { startupOrder: 1, env: { INTERVAL_MS: '1000' }, createOptions: { HostConfig: { Privileged: false } } });

describe('computeModuleReport', () => {
  it('echoes every desired field and reports what runs', () => {
    const observed = observedOf([anObservedModule(sensor, { startedAtMs: Date.UTC(2024, 0, 2, 3, 4, 5, 600), exitedAtMs: Date.UTC(2024, 0, 2, 3, 0, 0), image: 'example.azurecr.io/sensor:1.0' })]);
    const health = new Map<string, ModuleHealth>([['sensor', { generation: 7, restartCount: 2, lastRestartAtMs: Date.UTC(2024, 0, 2, 3, 4, 5, 500) }]]);
    expect(computeModuleReport(desiredOf([sensor]), observed, health, T0)).toEqual({
      sensor: {
        version: '1.0',
        type: 'docker',
        status: 'running',
        restartPolicy: 'always',
        imagePullPolicy: 'on-create',
        startupOrder: 1,
        env: { INTERVAL_MS: { value: '1000' } },
        settings: { image: 'example.azurecr.io/sensor:1.0', imageHash: `sha256:${'ab'.repeat(32)}`, createOptions: '{"HostConfig":{"Privileged":false}}' },
        runtimeStatus: 'running',
        statusDescription: 'running',
        exitCode: 0,
        lastStartTimeUtc: '2024-01-02T03:04:05.6',
        lastExitTimeUtc: '2024-01-02T03:00:00',
        restartCount: 2,
        lastRestartTimeUtc: '2024-01-02T03:04:05.5',
      },
    });
  });

  it('cuts long createOptions into 512-character pieces (reference §1.3)', () => {
    const long = aModule('m', { createOptions: { Labels: { big: 'x'.repeat(600) } } });
    const { settings } = computeModuleReport(desiredOf([long]), observedOf([anObservedModule(long)]), new Map(), T0)['m'] ?? {};
    const json = long.settings.createOptionsJson;
    expect(settings).toEqual({ image: 'example.azurecr.io/m:1.0', imageHash: `sha256:${'ab'.repeat(32)}`, createOptions: json.slice(0, 512), createOptions01: json.slice(512) });
  });

  it('reports process modules with their settings and defaults for never', () => {
    const p = aProcessModule('p', { version: undefined, status: 'stopped' });
    expect(computeModuleReport(desiredOf([p]), observedOf([]), new Map(), T0)).toEqual({
      p: {
        version: '',
        type: 'process',
        status: 'stopped',
        restartPolicy: 'always',
        imagePullPolicy: 'on-create',
        startupOrder: DEFAULT_STARTUP_ORDER,
        env: {},
        settings: { command: 'node', args: ['p.js'] },
        runtimeStatus: 'unknown',
        statusDescription: 'not created yet',
        exitCode: 0,
        lastStartTimeUtc: '0001-01-01T00:00:00',
        lastExitTimeUtc: '0001-01-01T00:00:00',
        restartCount: 0,
        lastRestartTimeUtc: '0001-01-01T00:00:00',
      },
    });
  });

  const failure = (kind: 'retryable' | 'permanent', generation = 7): StepFailure => ({ generation, kind, attempts: 2, lastAttemptAtMs: T0 - 1, retryAtMs: T0 + 1_000, message: 'pull access denied' });
  type Row = { name: string; spec?: typeof sensor; observed: ReturnType<typeof observedOf>; health?: Record<string, ModuleHealth>; failures?: Record<string, StepFailure>; status: string; description: string; restartCount?: number };
  const crashed = anExitedModule(sensor, 1, T0 - 15_000);
  const rows: Row[] = [
    { name: 'pull failed for good', observed: observedOf([]), failures: { 'pullImage:example.azurecr.io/sensor:1.0': failure('permanent') }, status: 'failed', description: 'pull access denied' },
    { name: 'pull failing, retrying', observed: observedOf([]), failures: { 'pullImage:example.azurecr.io/sensor:1.0': failure('retryable') }, status: 'backoff', description: 'pull access denied' },
    { name: 'failure of an older generation is ignored', observed: observedOf([]), failures: { 'createModule:sensor': failure('permanent', 6) }, status: 'unknown', description: 'not created yet' },
    {
      name: 'image missing under pull policy never',
      spec: aModule('sensor', { imagePullPolicy: 'never' }),
      observed: observedOf([]),
      status: 'failed',
      description: 'image "example.azurecr.io/sensor:1.0" is not present and imagePullPolicy is "never"',
    },
    { name: 'crashed, cooling off', observed: observedOf([crashed]), health: { sensor: { generation: 7, restartCount: 1 } }, status: 'backoff', description: 'exited with code 1; restart 2 of 20 in 6 s', restartCount: 1 },
    { name: 'crashed, restart due', observed: observedOf([crashed]), status: 'backoff', description: 'exited with code 1; restart 1 of 20 due now' },
    {
      name: 'start failed for good (parked): failed, not backoff',
      observed: observedOf([anExitedModule(sensor, 126, T0 - 1)]),
      failures: { 'startModule:sensor': failure('permanent') },
      status: 'failed',
      description: 'exited with code 126; not retried before the next deployment: pull access denied',
    },
    {
      name: 'crashed 20 times',
      observed: observedOf([crashed]),
      health: { sensor: { generation: 7, restartCount: 20 } },
      status: 'failed',
      description: 'exited with code 1; restarted 20 times, not restarted again before the next deployment',
      restartCount: 20,
    },
    { name: 'restart count of an older generation', observed: observedOf([crashed]), health: { sensor: { generation: 6, restartCount: 20 } }, status: 'backoff', description: 'exited with code 1; restart 1 of 20 due now' },
    { name: 'policy never keeps failed', spec: aModule('sensor', { restartPolicy: 'never' }), observed: observedOf([anExitedModule(aModule('sensor', { restartPolicy: 'never' }), 3, T0 - 1)]), status: 'failed', description: 'exited with code 3' },
    { name: 'clean exit under on-failure', spec: aModule('sensor', { restartPolicy: 'on-failure' }), observed: observedOf([anExitedModule(aModule('sensor', { restartPolicy: 'on-failure' }), 0, T0 - 1)]), status: 'stopped', description: 'exited with code 0' },
    { name: 'stopped by the agent, exit code aside', spec: aModule('sensor', { status: 'stopped' }), observed: observedOf([anExitedModule(aModule('sensor', { status: 'stopped' }), 137, T0 - 1)]), health: { sensor: { generation: 7, restartCount: 0, stoppedByAgentAtMs: T0 - 1 } }, status: 'stopped', description: 'stopped' },
    { name: 'desired stopped, crashed: no restart policy', spec: aModule('sensor', { status: 'stopped' }), observed: observedOf([anExitedModule(aModule('sensor', { status: 'stopped' }), 2, T0 - 1)]), status: 'failed', description: 'exited with code 2' },
    { name: 'created, never started', observed: observedOf([anObservedModule(sensor, { state: 'created', startedAtMs: undefined })]), status: 'backoff', description: 'created, not started yet' },
    { name: 'dead', observed: observedOf([anObservedModule(sensor, { state: 'dead' })]), status: 'dead', description: 'dead: the runtime could not stop or remove it' },
    { name: 'unknown state', observed: observedOf([anObservedModule(sensor, { state: 'unknown' })]), status: 'unknown', description: 'the runtime reports an unknown state' },
    { name: 'name taken', observed: observedOf([anObservedModule(sensor, { owned: false })]), status: 'unknown', description: 'the name "sensor" is taken by a module that Verge does not manage' },
    {
      name: 'running with a failing step',
      observed: observedOf([anObservedModule(sensor)]),
      failures: { 'stopModule:sensor': failure('retryable') },
      status: 'running',
      description: 'running; last attempt failed: pull access denied',
    },
    {
      name: 'running since after a failed start: the failure is old news',
      observed: observedOf([anObservedModule(sensor, { startedAtMs: T0 - 1 })]),
      failures: { 'startModule:sensor': { ...failure('retryable'), lastAttemptAtMs: T0 - 5_000 } },
      status: 'running',
      description: 'running',
    },
  ];
  it.each(rows)('$name → $status', ({ spec, observed, health, failures, status, description, restartCount }) => {
    const report = computeModuleReport(desiredOf([spec ?? sensor]), { ...observed, images: new Set(imagesOf(sensor).filter(() => spec?.imagePullPolicy !== 'never')) }, new Map(Object.entries(health ?? {})), T0, {
      failures: new Map(Object.entries(failures ?? {})),
    });
    expect(report['sensor']).toMatchObject({ runtimeStatus: status, statusDescription: description, restartCount: restartCount ?? 0 });
  });

  it('reports exit code and times of an exited module, the ledger exit time as a fallback', () => {
    const report = computeModuleReport(desiredOf([sensor]), observedOf([anExitedModule(sensor, 42, Date.UTC(2024, 4, 5, 6, 7, 8, 90))]), new Map(), T0);
    expect(report['sensor']).toMatchObject({ exitCode: 42, lastStartTimeUtc: '2024-05-05T06:07:03.09', lastExitTimeUtc: '2024-05-05T06:07:08.09' });
    const noExit = anObservedModule(sensor, { state: 'exited', exitCode: 1, exitedAtMs: undefined });
    const health = new Map([['sensor', { generation: 7, restartCount: 0, lastExitAtMs: Date.UTC(2024, 4, 5) }]]);
    expect(computeModuleReport(desiredOf([sensor]), observedOf([noExit]), health, T0)['sensor']?.lastExitTimeUtc).toBe('2024-05-05T00:00:00');
  });

  it('leaves out modules that are no longer desired and keeps odd ids as own keys', () => {
    const odd = aModule('__proto__');
    const report = computeModuleReport(desiredOf([odd]), observedOf([anObservedModule(aModule('gone'))]), new Map(), T0);
    expect(Object.keys(report)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(report)).toBe(Object.prototype);
  });
});

describe('computeSystemModuleReport', () => {
  it('reports edgeAgent and edgeHub running since the runtime started', () => {
    const edgeAgent = aModule('edgeAgent', { version: undefined, startupOrder: 0, image: 'mcr.microsoft.com/azureiotedge-agent:1.5' });
    const edgeHub = aModule('edgeHub', { version: undefined, startupOrder: 0, image: 'mcr.microsoft.com/azureiotedge-hub:1.5' });
    const startedAtMs = Date.UTC(2024, 1, 3, 4, 5, 6);
    const live = { runtimeStatus: 'running', statusDescription: 'running', exitCode: 0, lastStartTimeUtc: '2024-02-03T04:05:06', lastExitTimeUtc: '0001-01-01T00:00:00' };
    expect(computeSystemModuleReport({ edgeAgent, edgeHub }, { startedAtMs })).toEqual({
      edgeAgent: { type: 'docker', ...live, imagePullPolicy: 'on-create', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
      edgeHub: {
        version: '',
        type: 'docker',
        status: 'running',
        restartPolicy: 'always',
        imagePullPolicy: 'on-create',
        startupOrder: 0,
        env: {},
        settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' },
        ...live,
        restartCount: 0,
        lastRestartTimeUtc: '0001-01-01T00:00:00',
      },
    });
  });
});
