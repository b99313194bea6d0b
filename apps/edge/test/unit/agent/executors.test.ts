import { describe, expect, it } from 'vitest';
import { VergeError, type ModuleSpec } from '@verge/contracts';
import type { ActionStep } from '@verge/core';
import { classifyOutcome, createExecutors, runStep, type ExecutorContext } from '../../../src/agent/executors.js';
import { logSteps, measureSteps, wrapExecutors, type StepMetrics } from '../../../src/agent/executor-wrappers.js';
import { PermanentStepError, PrerequisiteError, RetryableStepError } from '../../../src/agent/step-errors.js';
import { FakeRuntime } from './support/fake-runtime.js';
import { silentLog } from '@verge/testkit';

const spec: ModuleSpec = {
  id: 'modA',
  type: 'process',
  status: 'running',
  restartPolicy: 'always',
  startupOrder: 0,
  imagePullPolicy: 'on-create',
  env: { OWN: '1' },
  settings: { command: 'node', args: ['a.js'] },
};
const dockerSpec: ModuleSpec = { ...spec, id: 'dock', type: 'docker', settings: { image: 'alpine:3', createOptions: {}, createOptionsJson: '{}' } };

function setup() {
  const process = new FakeRuntime('process', () => 1000);
  const docker = new FakeRuntime('docker', () => 1000);
  const executors = createExecutors({
    runtimes: { process, docker },
    credential: (name) => (name === 'acr' ? { username: 'u', password: 'p', address: 'acr.io' } : undefined),
    moduleEnv: async (s) => ({ IOTEDGE_MODULEID: s.id }),
  });
  const ctx: ExecutorContext = { signal: new AbortController().signal, log: silentLog() };
  return { process, docker, executors, ctx };
}

describe('executor table (STYLE §2.3)', () => {
  it('runs one runtime call per step, restart as stop + start', async () => {
    const { process, docker, executors, ctx } = setup();
    const steps: ActionStep[] = [
      { action: 'pullImage', image: 'acr.io/x:1', moduleIds: ['dock'], credentialName: 'acr' },
      { action: 'createModule', moduleId: 'modA', type: 'process', module: spec, configHash: 'h1' },
      { action: 'startModule', moduleId: 'modA', type: 'process' },
      { action: 'restartModule', moduleId: 'modA', type: 'process', timeoutMs: 7, restartCount: 1 },
      { action: 'stopModule', moduleId: 'modA', type: 'process', timeoutMs: 9, reason: 'desiredStopped' },
      { action: 'resetHealth', moduleId: 'modA', type: 'process', reason: 'intensiveCare' },
      { action: 'removeModule', moduleId: 'modA', type: 'process', reason: 'removed' },
    ];
    for (const step of steps) await runStep(executors, step, ctx);
    expect(docker.calls).toEqual([['pullImage', 'acr.io/x:1', 'u']]);
    expect(process.calls).toEqual([
      ['createModule', 'modA'],
      ['startModule', 'modA'],
      ['stopModule', 'modA', 7],
      ['startModule', 'modA'],
      ['stopModule', 'modA', 9],
      ['removeModule', 'modA'],
    ]);
  });

  it('creates with the injected env and the config hash', async () => {
    const { process, executors, ctx } = setup();
    await runStep(executors, { action: 'createModule', moduleId: 'modA', type: 'process', module: spec, configHash: 'h1' }, ctx);
    expect(process.envOf('modA')).toEqual({ OWN: '1', IOTEDGE_MODULEID: 'modA' });
    expect((await process.observe())[0]?.configHash).toBe('h1');
  });

  it('refuses a module type without a runtime for good', async () => {
    const process = new FakeRuntime('process', () => 0);
    const executors = createExecutors({ runtimes: { process }, credential: () => undefined, moduleEnv: async () => ({}) });
    const ctx = { signal: new AbortController().signal, log: silentLog() };
    const error = await runStep(executors, { action: 'createModule', moduleId: 'dock', type: 'docker', module: dockerSpec, configHash: 'h' }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect(error).toMatchObject({ code: 'AGT_RUNTIME_UNAVAILABLE', message: 'docker modules cannot run here: this edge runtime has no docker runtime (available: process)' });
  });
});

describe('classifyOutcome', () => {
  const step: ActionStep = { action: 'startModule', moduleId: 'm', type: 'process' };
  it.each([
    [{ status: 'fulfilled', value: undefined }, { step, ok: true }],
    [{ status: 'rejected', reason: new RetryableStepError('AGT_RUNTIME_OPERATION_FAILED', 'busy') }, { step, ok: false, kind: 'retryable', message: 'busy', code: 'AGT_RUNTIME_OPERATION_FAILED' }],
    [{ status: 'rejected', reason: new PermanentStepError('AGT_MODULE_COMMAND_NOT_FOUND', 'spawn ENOENT') }, { step, ok: false, kind: 'permanent', message: 'spawn ENOENT', code: 'AGT_MODULE_COMMAND_NOT_FOUND' }],
    [{ status: 'rejected', reason: new VergeError('AGT_IDENTITY_MISSING', 'later') }, { step, ok: false, kind: 'retryable', message: 'later', code: 'AGT_IDENTITY_MISSING' }],
    [{ status: 'rejected', reason: new Error('surprise') }, { step, ok: false, kind: 'retryable', message: 'surprise' }],
    [{ status: 'rejected', reason: 'a string' }, { step, ok: false, kind: 'retryable', message: 'a string' }],
  ] as [PromiseSettledResult<void>, unknown][])('maps %#', (result, expected) => {
    expect(classifyOutcome(step, result)).toEqual(expected);
  });

  it('returns the PrerequisiteError that drops the batch', () => {
    const down = new PrerequisiteError('AGT_RUNTIME_UNAVAILABLE', 'engine down');
    expect(classifyOutcome(step, { status: 'rejected', reason: down })).toBe(down);
  });
});

describe('wrapping the table', () => {
  it('keeps behaviour and records metrics per action and outcome', async () => {
    const { process, executors, ctx } = setup();
    const seen: [string, string][] = [];
    const metrics: StepMetrics = { observe: (action, outcome) => void seen.push([action, outcome]) };
    const wrapped = wrapExecutors(wrapExecutors(executors, logSteps), measureSteps(metrics));
    await runStep(wrapped, { action: 'createModule', moduleId: 'modA', type: 'process', module: spec, configHash: 'h' }, ctx);
    process.failNext.set('startModule', new PermanentStepError('AGT_MODULE_COMMAND_NOT_FOUND', 'no such program'));
    await expect(runStep(wrapped, { action: 'startModule', moduleId: 'modA', type: 'process' }, ctx)).rejects.toThrow('no such program');
    process.down = new PrerequisiteError('AGT_RUNTIME_UNAVAILABLE', 'down');
    await expect(runStep(wrapped, { action: 'stopModule', moduleId: 'modA', type: 'process', timeoutMs: 1, reason: 'removed' }, ctx)).rejects.toBeInstanceOf(PrerequisiteError);
    expect(seen).toEqual([
      ['createModule', 'ok'],
      ['startModule', 'permanent'],
      ['stopModule', 'prerequisite'],
    ]);
    expect(Object.keys(wrapped).sort()).toEqual(Object.keys(executors).sort());
  });
});
