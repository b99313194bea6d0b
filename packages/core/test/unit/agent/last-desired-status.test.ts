import { describe, expect, it } from 'vitest';
import type { ManifestFault } from '@verge/contracts';
import { computeLastDesiredStatus, type DesiredStatusInput, type StepFailure } from '@verge/core';
import { T0 } from './builders.js';
import { waitFor } from './steps.js';

// lastDesiredStatus codes (reference §2.2).

const fault = (path: string, statusCode: 400 | 412 | 417, message: string): ManifestFault => ({ path, rule: statusCode === 417 ? 'empty' : statusCode === 412 ? 'schema-version' : 'required', message, statusCode });
const failure = (generation: number, message: string): StepFailure => ({ generation, kind: 'retryable', attempts: 1, lastAttemptAtMs: T0, retryAtMs: T0 + 1_000, message });
const ok = { ok: true } as const;
const none = new Map<string, StepFailure>();

describe('computeLastDesiredStatus', () => {
  const rows: [string, DesiredStatusInput, { code: number; description: string }][] = [
    ['all steps succeeded', { read: ok, generation: 7, failures: none }, { code: 200, description: '' }],
    ['converging, nothing failed', { read: ok, generation: 7, failures: none, plan: [waitFor('m', { reason: 'coolOff', untilMs: T0, detail: 'x' })] }, { code: 200, description: '' }],
    [
      'invalid manifest: 400 with the path of the fault',
      { read: { ok: false, faults: [fault('modules.m.status', 400, 'modules.m.status: required')] }, generation: 7, failures: new Map([['createModule:m', failure(7, 'x')]]) },
      { code: 400, description: 'modules.m.status: required' },
    ],
    ['unsupported schema version', { read: { ok: false, faults: [fault('schemaVersion', 412, 'schemaVersion: unsupported "2.0"')] }, generation: 7, failures: none }, { code: 412, description: 'schemaVersion: unsupported "2.0"' }],
    ['no deployment yet', { read: { ok: false, faults: [fault('', 417, '(root): empty')] }, generation: 0, failures: none }, { code: 417, description: '(root): empty' }],
    ['not connected', { read: ok, generation: 7, failures: none, agent: 'notConnected' }, { code: 406, description: 'edgeAgent is not connected to IoT Hub' }],
    ['shutting down', { read: ok, generation: 7, failures: none, agent: 'shuttingDown' }, { code: 406, description: 'edgeAgent is shutting down' }],
    [
      'a step failed in this generation',
      { read: ok, generation: 7, failures: new Map([['startModule:b', failure(7, 'port is already allocated')], ['pullImage:x:1', failure(7, 'The operation was canceled.')], ['createModule:old', failure(6, 'stale')]]) },
      { code: 500, description: 'pullImage:x:1: The operation was canceled.; startModule:b: port is already allocated' },
    ],
    [
      'a fault found by the planner',
      { read: ok, generation: 7, failures: none, plan: [waitFor('m', { reason: 'imageMissing', detail: 'image "m:1" is not present and imagePullPolicy is "never"' })] },
      { code: 500, description: 'm: image "m:1" is not present and imagePullPolicy is "never"' },
    ],
    ['failures of older generations only', { read: ok, generation: 8, failures: new Map([['createModule:m', failure(7, 'x')]]) }, { code: 200, description: '' }],
  ];
  it.each(rows)('%s', (_name, input, expected) => {
    expect(computeLastDesiredStatus(input)).toEqual(expected);
  });

  it('lists five problems and counts the rest, within 2048 characters', () => {
    const failures = new Map(Array.from({ length: 8 }, (_, i) => [`startModule:m${i}`, failure(7, 'e'.repeat(600))] as const));
    const status = computeLastDesiredStatus({ read: ok, generation: 7, failures });
    expect(status.code).toBe(500);
    expect(status.description.length).toBe(2048);
    expect(status.description.endsWith('…')).toBe(true);
    const short = computeLastDesiredStatus({ read: ok, generation: 7, failures: new Map(Array.from({ length: 7 }, (_, i) => [`startModule:m${i}`, failure(7, 'e')] as const)) });
    expect(short.description).toBe('startModule:m0: e; startModule:m1: e; startModule:m2: e; startModule:m3: e; startModule:m4: e (and 2 more)');
  });
});
