import { describe, expect, it } from 'vitest';
import { configHash, planSteps, type ModuleHealth, type ObservedModule } from '@verge/core';
import { aModule, aProcessModule, anExitedModule, anObservedModule, ctxOf, desiredOf, imagesOf, observedOf, T0 } from './builders.js';
import { create, pull, remove, start, stop, waitFor } from './steps.js';

// Updates, desired status changes, removals (reference §2.4: updated → pull, stop, recreate, start; desired-status
// changed → start/stop only; removed → stop + remove; dead → remove).

const v1 = aModule('a', { startupOrder: 0 });
const v2 = aModule('a', { startupOrder: 0, version: '2.0' });

describe('planSteps: a config change recreates the module', () => {
  const rows = [
    { name: 'stops the old module first', observed: observedOf([anObservedModule(v1)], imagesOf(v2)), expected: [stop('a', 'recreate')] },
    { name: 'then removes it', observed: observedOf([anExitedModule(v1, 0, T0 - 1_000)], imagesOf(v2)), expected: [remove('a', 'recreate')] },
    { name: 'then creates the new one', observed: observedOf([], imagesOf(v2)), expected: [create(v2)] },
    { name: 'then starts it', observed: observedOf([anObservedModule(v2, { state: 'created', startedAtMs: undefined })], imagesOf(v2)), expected: [start('a')] },
  ];
  it.each(rows)('$name', ({ observed, expected }) => {
    expect(planSteps(desiredOf([v2]), observed, ctxOf())).toEqual(expected);
  });

  it('removes a stopped old module directly', () => {
    expect(planSteps(desiredOf([v2]), observedOf([anObservedModule(v1, { state: 'created', startedAtMs: undefined })], imagesOf(v2)), ctxOf())).toEqual([remove('a', 'recreate')]);
  });

  it('pulls the new image while the old module keeps running', () => {
    const newImage = aModule('a', { startupOrder: 0, image: 'example.azurecr.io/a:2.0' });
    expect(planSteps(desiredOf([newImage]), observedOf([anObservedModule(v1)], imagesOf(v1)), ctxOf())).toEqual([pull('example.azurecr.io/a:2.0', ['a'])]);
  });

  it('keeps the old module when the new image is missing under pull policy never', () => {
    const never = aModule('a', { startupOrder: 0, image: 'example.azurecr.io/a:2.0', imagePullPolicy: 'never' });
    expect(planSteps(desiredOf([never]), observedOf([anObservedModule(v1)], imagesOf(v1)), ctxOf())).toEqual([
      waitFor('a', { reason: 'imageMissing', detail: 'image "example.azurecr.io/a:2.0" is not present and imagePullPolicy is "never"' }),
    ]);
  });

  it('recreates a module whose hash label is missing, or whose runtime type changed', () => {
    expect(planSteps(desiredOf([v1]), observedOf([anObservedModule(v1, { configHash: undefined })], imagesOf(v1)), ctxOf())).toEqual([stop('a', 'recreate')]);
    const asProcess = aProcessModule('a');
    expect(planSteps(desiredOf([asProcess]), observedOf([anObservedModule(v1)], imagesOf(v1)), ctxOf())).toEqual([stop('a', 'recreate', 'docker')]);
    expect(planSteps(desiredOf([asProcess]), observedOf([]), ctxOf())).toEqual([create(asProcess)]);
  });

  it('recreates adopted modules when the runtime fingerprint changed', () => {
    const desired = desiredOf([v1], { runtimeFingerprint: 'gateway=edge:8884' });
    expect(planSteps(desired, observedOf([anObservedModule(v1)], imagesOf(v1)), ctxOf())).toEqual([stop('a', 'recreate')]);
    expect(planSteps(desired, observedOf([], imagesOf(v1)), ctxOf())).toEqual([create(v1, { fingerprint: 'gateway=edge:8884' })]);
    const adopted = anObservedModule(v1, { configHash: configHash(v1, 'gateway=edge:8884') });
    expect(planSteps(desired, observedOf([adopted], imagesOf(v1)), ctxOf())).toEqual([]);
  });

  it("recreates a module whose identity has a new generation (deleted and created again in the cloud), and only that one", () => {
    const v1b = aModule('b', { startupOrder: 1 });
    const created = (spec: typeof v1, generation: string) => anObservedModule(spec, { configHash: configHash(spec, `gateway=edge\ngeneration=${generation}`) });
    const same = desiredOf([v1, v1b], { runtimeFingerprint: 'gateway=edge', identityGenerations: { a: 'g1', b: 'g1' } });
    expect(planSteps(same, observedOf([created(v1, 'g1'), created(v1b, 'g1')], imagesOf(v1, v1b)), ctxOf())).toEqual([]);
    const renewed = desiredOf([v1, v1b], { runtimeFingerprint: 'gateway=edge', identityGenerations: { a: 'g2', b: 'g1' } });
    expect(planSteps(renewed, observedOf([created(v1, 'g1'), created(v1b, 'g1')], imagesOf(v1, v1b)), ctxOf())).toEqual([stop('a', 'recreate')]);
  });

  it('adopts a running module created from the same spec (nothing to do)', () => {
    expect(planSteps(desiredOf([v1]), observedOf([anObservedModule(v1)]), ctxOf())).toEqual([]);
  });
});

describe('planSteps: a desired status change only starts or stops', () => {
  const stopped = aModule('a', { startupOrder: 0, status: 'stopped', restartPolicy: 'never' });
  const running = aModule('a', { startupOrder: 0, status: 'running', restartPolicy: 'never' });

  it('leaves the config hash alone', () => {
    expect(configHash(stopped)).toBe(configHash(running));
  });

  const rows: { name: string; desired: typeof stopped; observed: ObservedModule; health: Record<string, ModuleHealth>; expected: unknown[] }[] = [
    { name: 'running → stopped: stop', desired: stopped, observed: anObservedModule(running), health: {}, expected: [stop('a', 'desiredStopped')] },
    { name: 'restarting → stopped: stop', desired: stopped, observed: anObservedModule(running, { state: 'restarting' }), health: {}, expected: [stop('a', 'desiredStopped')] },
    { name: 'stopped and exited: nothing', desired: stopped, observed: anExitedModule(running, 143, T0 - 1_000), health: {}, expected: [] },
    { name: 'stopped and paused: nothing (paused counts as stopped, §2.3)', desired: stopped, observed: anObservedModule(running, { state: 'paused' }), health: {}, expected: [] },
    {
      name: 'stopped by the agent → running: start even with policy never',
      desired: running,
      observed: anExitedModule(running, 143, T0 - 1_000),
      health: { a: { generation: 6, restartCount: 0, stoppedByAgentAtMs: T0 - 1_000 } },
      expected: [start('a')],
    },
    {
      name: 'stopped by the agent, then started by someone else and crashed: the restart policy applies again',
      desired: running,
      observed: anExitedModule(running, 1, T0 - 1_000, { startedAtMs: T0 - 500_000 }),
      health: { a: { generation: 6, restartCount: 0, stoppedByAgentAtMs: T0 - 600_000 } },
      expected: [],
    },
    { name: 'a crash (not stopped by the agent) with policy never: nothing', desired: running, observed: anExitedModule(running, 143, T0 - 1_000), health: {}, expected: [] },
  ];
  it.each(rows)('$name', ({ desired, observed, health, expected }) => {
    expect(planSteps(desiredOf([desired]), observedOf([observed], imagesOf(desired)), ctxOf({ health }))).toEqual(expected);
  });

  it('creates a desired-stopped module without starting it', () => {
    expect(planSteps(desiredOf([stopped]), observedOf([], imagesOf(stopped)), ctxOf())).toEqual([create(stopped)]);
    expect(planSteps(desiredOf([stopped]), observedOf([anObservedModule(stopped, { state: 'created', startedAtMs: undefined })]), ctxOf())).toEqual([]);
  });
});

describe('planSteps: removal, dead modules and modules Verge does not own', () => {
  const x = aModule('x');
  const y = aModule('y');
  const z = aModule('z');
  const w = aModule('w');

  it('stops then removes owned modules that are no longer desired, never touches others', () => {
    const observed = observedOf([
      anObservedModule(x),
      anExitedModule(y, 1, T0 - 5_000),
      anObservedModule(z, { owned: false }),
      anObservedModule(w, { state: 'removing' }),
      anObservedModule(aModule('v'), { state: 'dead' }),
      anObservedModule(aModule('u'), { state: 'paused' }),
    ]);
    expect(planSteps(desiredOf([]), observed, ctxOf())).toEqual([
      stop('u', 'removed'),
      remove('v', 'removed'),
      stop('x', 'removed'),
      remove('y', 'removed'),
      waitFor('w', { reason: 'transition', detail: 'being removed' }),
    ]);
  });

  it('defers starts while modules that go away are being stopped, not while they are removed', () => {
    const b = aModule('b');
    const created = anObservedModule(b, { state: 'created', startedAtMs: undefined });
    expect(planSteps(desiredOf([b]), observedOf([anObservedModule(x), created]), ctxOf())).toEqual([stop('x', 'removed')]);
    expect(planSteps(desiredOf([b]), observedOf([anExitedModule(x, 0, T0 - 10), created]), ctxOf())).toEqual([remove('x', 'removed'), start('b')]);
  });

  it('removes a dead module, then recreates it', () => {
    expect(planSteps(desiredOf([v1]), observedOf([anObservedModule(v1, { state: 'dead' })], imagesOf(v1)), ctxOf())).toEqual([remove('a', 'dead')]);
  });

  it('reports a conflict when a module Verge does not own holds the id, and does not gate on it', () => {
    const b = aModule('b', { startupOrder: 5 });
    const observed = observedOf([anObservedModule(v1, { owned: false }), anObservedModule(b, { state: 'created', startedAtMs: undefined })], imagesOf(v1, b));
    expect(planSteps(desiredOf([v1, b]), observed, ctxOf())).toEqual([
      start('b'),
      waitFor('a', { reason: 'conflict', detail: 'the name "a" is taken by a container that Verge does not manage' }),
    ]);
  });

  it('waits while a desired module is being removed or in an unknown state', () => {
    expect(planSteps(desiredOf([v1]), observedOf([anObservedModule(v1, { state: 'removing' })]), ctxOf())).toEqual([waitFor('a', { reason: 'transition', detail: 'being removed' })]);
    expect(planSteps(desiredOf([v1]), observedOf([anObservedModule(v1, { state: 'unknown' })]), ctxOf())).toEqual([
      waitFor('a', { reason: 'transition', detail: 'the runtime reports an unknown state' }),
    ]);
  });
});
