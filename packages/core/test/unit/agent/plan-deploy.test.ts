import { describe, expect, it } from 'vitest';
import { planSteps, type ObservedModule } from '@verge/core';
import { aModule, aProcessModule, anObservedModule, ctxOf, desiredOf, imagesOf, observedOf, T0 } from './builders.js';
import { create, pull, start, waitFor } from './steps.js';

// Fresh deployments, startup order and images (STYLE §2.3; reference §1.3, §2.4, ModuleStartupOrder.md).

const credentials = { acr: { username: 'u', password: 'p', address: 'example.azurecr.io' } };
const SHARED = 'example.azurecr.io/shared:2.0';
const a = aModule('a', { startupOrder: 0 });
const s = aModule('s', { startupOrder: 0, status: 'stopped' });
const b = aModule('b', { startupOrder: 1, image: SHARED });
const c = aModule('c', { startupOrder: 1, image: SHARED });
const d = aModule('d', { image: 'mcr.microsoft.com/d:1' });
const all = [d, c, b, s, a];
const desired = desiredOf(all, { registryCredentials: credentials });
const images = imagesOf(...all);
const created = (spec: typeof a): ObservedModule => anObservedModule(spec, { state: 'created', startedAtMs: undefined });

describe('planSteps: a fresh deployment, pass by pass', () => {
  const passes: { name: string; observed: ReturnType<typeof observedOf>; expected: unknown[] }[] = [
    {
      name: '1: pulls every missing image once, with the credential of its registry',
      observed: observedOf([]),
      expected: [
        pull('example.azurecr.io/a:1.0', ['a'], 'acr'),
        pull('example.azurecr.io/s:1.0', ['s'], 'acr'),
        pull(SHARED, ['b', 'c'], 'acr'),
        pull('mcr.microsoft.com/d:1', ['d']),
      ],
    },
    {
      name: '2: creates every module, desired stopped ones too, by startupOrder then id',
      observed: observedOf([], images),
      expected: [create(a), create(s), create(b), create(c), create(d)],
    },
    {
      name: '3: starts group 0 only; later groups wait for it; a stopped module is not started',
      observed: observedOf(all.map(created), images),
      expected: [
        start('a'),
        waitFor('b', { reason: 'startupOrder', blockedKey: 'startModule:b', detail: 'waiting for a (lower startupOrder) to be started' }),
        waitFor('c', { reason: 'startupOrder', blockedKey: 'startModule:c', detail: 'waiting for a (lower startupOrder) to be started' }),
        waitFor('d', { reason: 'startupOrder', blockedKey: 'startModule:d', detail: 'waiting for a, b, c (lower startupOrder) to be started' }),
      ],
    },
    {
      name: '4: group 1 starts in parallel once a runs',
      observed: observedOf([anObservedModule(a), created(s), created(b), created(c), created(d)], images),
      expected: [start('b'), start('c'), waitFor('d', { reason: 'startupOrder', blockedKey: 'startModule:d', detail: 'waiting for b, c (lower startupOrder) to be started' })],
    },
    {
      name: '5: the default startupOrder (4294967295) starts last',
      observed: observedOf([anObservedModule(a), created(s), anObservedModule(b), anObservedModule(c), created(d)], images),
      expected: [start('d')],
    },
    {
      name: '6: converged',
      observed: observedOf([anObservedModule(a), created(s), anObservedModule(b), anObservedModule(c), anObservedModule(d)], images),
      expected: [],
    },
  ];
  it.each(passes)('pass $name', ({ observed, expected }) => {
    expect(planSteps(desired, observed, ctxOf())).toEqual(expected);
  });

  it('does not hold later groups behind a module whose start failed (an attempt was made)', () => {
    const failures = { 'startModule:a': { generation: 7, kind: 'retryable' as const, attempts: 1, lastAttemptAtMs: T0 - 500, retryAtMs: T0 + 1_500, message: 'port is already allocated' } };
    expect(planSteps(desired, observedOf(all.map(created), images), ctxOf({ failures }))).toEqual([
      start('b'),
      start('c'),
      waitFor('a', { reason: 'retryBackoff', untilMs: T0 + 1_500, blockedKey: 'startModule:a', detail: 'startModule:a failed 1 time: port is already allocated; retrying in 2 s' }),
      waitFor('d', { reason: 'startupOrder', blockedKey: 'startModule:d', detail: 'waiting for b, c (lower startupOrder) to be started' }),
    ]);
  });

  it('does not hold later groups behind a module whose image cannot be had', () => {
    const local = aModule('a', { startupOrder: 0, imagePullPolicy: 'never' });
    const plan = planSteps(desiredOf([local, b]), observedOf([created(b)], imagesOf(b)), ctxOf());
    expect(plan).toEqual([
      start('b'),
      waitFor('a', { reason: 'imageMissing', detail: 'image "example.azurecr.io/a:1.0" is not present and imagePullPolicy is "never"' }),
    ]);
  });

  it('gates restarts too, and a module that ran before no longer blocks', () => {
    const crashed = anObservedModule(b, { state: 'exited', exitCode: 1, exitedAtMs: T0 - 60_000 });
    expect(planSteps(desiredOf([a, b]), observedOf([created(a), crashed], images), ctxOf())).toEqual([
      start('a'),
      waitFor('b', { reason: 'startupOrder', blockedKey: 'restartModule:b', detail: 'waiting for a (lower startupOrder) to be started' }),
    ]);
    const aRanBefore = anObservedModule(a, { state: 'exited', exitCode: 0, exitedAtMs: T0 - 1_000 });
    const never = aModule('a', { startupOrder: 0, restartPolicy: 'never' });
    expect(planSteps(desiredOf([never, b]), observedOf([{ ...aRanBefore, configHash: anObservedModule(never).configHash }, created(b)], images), ctxOf())).toEqual([start('b')]);
  });
});

describe('planSteps: images', () => {
  it('finds an image under any Docker spelling', () => {
    const alpine = aModule('m', { image: 'alpine:latest' });
    expect(planSteps(desiredOf([alpine]), observedOf([], ['docker.io/library/alpine:latest']), ctxOf())).toEqual([create(alpine)]);
    const hub = aModule('m', { image: 'docker.io/library/redis:7' });
    expect(planSteps(desiredOf([hub]), observedOf([], ['redis:7']), ctxOf())).toEqual([create(hub)]);
  });

  it('pulls (on-create) or reports the image missing (never)', () => {
    const never = aModule('m', { imagePullPolicy: 'never' });
    expect(planSteps(desiredOf([never]), observedOf([]), ctxOf())).toEqual([
      waitFor('m', { reason: 'imageMissing', detail: 'image "example.azurecr.io/m:1.0" is not present and imagePullPolicy is "never"' }),
    ]);
    expect(planSteps(desiredOf([never]), observedOf([], imagesOf(never)), ctxOf())).toEqual([create(never)]);
  });

  it('never pulls for a process module, and passes loggingOptions to docker creates only', () => {
    const p = aProcessModule('p');
    const m = aModule('m');
    const desiredWithLogging = desiredOf([p, m], { loggingOptions: '{"Type":"json-file"}' });
    expect(planSteps(desiredWithLogging, observedOf([], imagesOf(m)), ctxOf())).toEqual([create(m, { loggingOptions: '{"Type":"json-file"}' }), create(p)]);
  });

  it('does not pull an image that is present for a running module', () => {
    expect(planSteps(desiredOf([a]), observedOf([anObservedModule(a)]), ctxOf())).toEqual([]);
  });
});
