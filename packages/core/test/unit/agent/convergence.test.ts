import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_STARTUP_ORDER, RESTART_POLICIES, type ModuleSpec } from '@verge/contracts';
import { configHash, DEFAULT_PLAN_POLICY, planSteps, stepKey, type ModuleHealth, type ObservedModule, type StepFailure } from '@verge/core';
import { aModule, aProcessModule, desiredOf, seededRng, T0 } from './builders.js';
import { newSimulation, runUntilConverged } from './simulate.js';

// Convergence (STYLE §2.8): from random observed states, the loop over planSteps reaches the desired state within
// a bounded number of passes, and then plans nothing.

const DESIRED_IDS = ['a', 'b', 'c', 'd', 'e'];
const UNDESIRED_IDS = ['x', 'y'];
const IMAGES = ['reg.example.io/one:1', 'reg.example.io/two:2', 'alpine'];
const ORDERS = [0, 1, 2, DEFAULT_STARTUP_ORDER];

const specArb = (id: string): fc.Arbitrary<ModuleSpec> =>
  fc
    .record({
      type: fc.constantFrom('docker', 'process'),
      status: fc.constantFrom('running', 'stopped'),
      restartPolicy: fc.constantFrom(...RESTART_POLICIES),
      startupOrder: fc.constantFrom(...ORDERS),
      image: fc.constantFrom(...IMAGES),
      imagePullPolicy: fc.constantFrom('on-create', 'never'),
      version: fc.constantFrom('1', '2'),
    })
    .map(({ type, image, ...rest }) => (type === 'docker' ? aModule(id, { ...rest, image }) : aProcessModule(id, rest)));

const desiredArb = fc.subarray(DESIRED_IDS).chain((ids) => fc.tuple(...ids.map(specArb)).map((specs): ModuleSpec[] => specs));

type Initial = { state: ObservedModule['state']; hash: 'match' | 'stale'; sameType: boolean; started: boolean; exitCode: number; ageMs: number };
const initialArb = (allowUnknown: boolean): fc.Arbitrary<Initial> =>
  fc.record({
    state: fc.constantFrom<ObservedModule['state']>('running', 'created', 'paused', 'restarting', 'exited', 'dead', 'removing', ...(allowUnknown ? (['unknown'] as const) : [])),
    hash: fc.constantFrom('match', 'stale'),
    sameType: fc.boolean(),
    started: fc.boolean(),
    exitCode: fc.constantFrom(0, 1, 137),
    ageMs: fc.integer({ min: 0, max: 900_000 }),
  });

function observedModule(id: string, spec: ModuleSpec | undefined, init: Initial): ObservedModule {
  const type = spec === undefined ? 'docker' : init.sameType ? spec.type : spec.type === 'docker' ? 'process' : 'docker';
  const started = init.state === 'running' || (init.state !== 'created' && init.started);
  return {
    id,
    type,
    state: init.state,
    exitCode: init.exitCode,
    ...(started ? { startedAtMs: T0 - init.ageMs - 1_000 } : {}),
    ...(init.state === 'running' || init.state === 'created' ? {} : { exitedAtMs: T0 - init.ageMs }),
    configHash: spec !== undefined && init.hash === 'match' ? configHash(spec) : 'stale',
    owned: true,
  };
}

const scenarioArb = desiredArb.chain((specs) =>
  fc.record({
    specs: fc.constant(specs),
    initial: fc.record(Object.fromEntries(DESIRED_IDS.map((id) => [id, fc.option(initialArb(!specs.some((s) => s.id === id)), { nil: undefined })]))),
    undesired: fc.record(Object.fromEntries(UNDESIRED_IDS.map((id) => [id, fc.option(initialArb(true), { nil: undefined })]))),
    stranger: fc.boolean(),
    images: fc.subarray(IMAGES),
    seed: fc.integer(),
  }),
);

type Scenario = { specs: ModuleSpec[]; initial: Record<string, Initial | undefined>; undesired: Record<string, Initial | undefined>; stranger: boolean; images: string[]; seed: number };

function build(scenario: Scenario) {
  const byId = new Map(scenario.specs.map((s) => [s.id, s]));
  const modules: ObservedModule[] = [];
  for (const [id, init] of [...Object.entries(scenario.initial), ...Object.entries(scenario.undesired)]) {
    if (init !== undefined) modules.push(observedModule(id, byId.get(id), init));
  }
  const stranger: ObservedModule = { id: 'z', type: 'docker', state: 'running', startedAtMs: T0 - 5, owned: false };
  if (scenario.stranger) modules.push(stranger);
  // Under pull policy never the image must be there, or the module can never converge (tested on its own).
  const images = new Set([...scenario.images, ...scenario.specs.flatMap((s) => (s.type === 'docker' && s.imagePullPolicy === 'never' ? [s.settings.image] : []))]);
  return { desired: desiredOf(scenario.specs), observed: { modules, images }, stranger };
}

/** A module desired running that the restart policy rightly leaves down: untouched since the start. */
function staysDown(spec: ModuleSpec, initial: ObservedModule | undefined): boolean {
  if (initial === undefined || initial.configHash !== configHash(spec) || initial.type !== spec.type || initial.startedAtMs === undefined) return false;
  const policy = spec.restartPolicy;
  if (initial.state === 'exited') return policy === 'never' || (policy !== 'always' && initial.exitCode === 0);
  if (initial.state === 'paused') return policy === 'never';
  if (initial.state === 'restarting') return policy !== 'always';
  return false;
}

function checkConverged(scenario: Scenario, maxPasses: number, failureRate: number) {
  const { desired, observed, stranger } = build(scenario);
  const sim = newSimulation(observed, T0);
  const failRng = seededRng(scenario.seed);
  const result = runUntilConverged(sim, desired, { maxPasses, rng: seededRng(scenario.seed + 1), fails: () => failRng() < failureRate });
  expect(result.converged, `not converged after ${maxPasses} passes; last plan ${JSON.stringify(result.lastPlan)}`).toBe(true);
  expect(result.lastPlan).toEqual([]);
  const initial = new Map(observed.modules.map((m) => [m.id, m]));
  for (const spec of desired.modules.values()) {
    const module = sim.modules.get(spec.id);
    expect(module, spec.id).toBeDefined();
    expect(module).toMatchObject({ owned: true, type: spec.type, configHash: configHash(spec) });
    if (spec.status === 'stopped') expect(['running', 'restarting']).not.toContain(module?.state);
    else if (staysDown(spec, initial.get(spec.id))) expect(module).toEqual(initial.get(spec.id));
    else expect(module?.state, `${spec.id} ${JSON.stringify(initial.get(spec.id))}`).toBe('running');
  }
  for (const id of UNDESIRED_IDS) expect(sim.modules.has(id)).toBe(false);
  if (scenario.stranger) expect(sim.modules.get('z')).toBe(stranger);
  return result.passes;
}

describe('convergence over a model runtime', () => {
  it('reaches the desired state from any observed state, then plans nothing', () => {
    let worst = 0;
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        worst = Math.max(worst, checkConverged(scenario, 20, 0));
      }),
      { numRuns: 400 },
    );
    expect(worst).toBeLessThanOrEqual(20);
  });

  it('still converges when a quarter of the steps fail and back off', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        checkConverged(scenario, 400, 0.25);
      }),
      { numRuns: 300 },
    );
  });
});

describe('planSteps invariants on arbitrary input', () => {
  const healthArb = fc.record({ generation: fc.constantFrom(6, 7), restartCount: fc.integer({ min: 0, max: 25 }), stoppedByAgentAtMs: fc.option(fc.integer({ min: T0 - 1_000_000, max: T0 }), { nil: undefined }) });
  const failureArb = fc.record({
    generation: fc.constantFrom(6, 7),
    kind: fc.constantFrom('retryable', 'permanent'),
    attempts: fc.integer({ min: 1, max: 10 }),
    lastAttemptAtMs: fc.constant(T0 - 1_000),
    retryAtMs: fc.integer({ min: T0 - 1_000, max: T0 + 1_000 }),
    message: fc.constant('boom'),
  });
  const keys = [...DESIRED_IDS, ...UNDESIRED_IDS].flatMap((id) => ['createModule', 'startModule', 'stopModule', 'removeModule', 'restartModule'].map((a) => `${a}:${id}`));

  it('is total and deterministic, gives each module at most one step, and never touches what Verge does not own', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.dictionary(fc.constantFrom(...DESIRED_IDS), healthArb),
        fc.dictionary(fc.constantFrom(...keys, ...IMAGES.map((i) => `pullImage:${i}`)), failureArb),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (scenario, health, failures, skew) => {
          const { desired, observed } = build(scenario);
          const ctx = {
            nowMs: T0 + skew,
            health: new Map(Object.entries(health) as [string, ModuleHealth][]),
            failures: new Map(Object.entries(failures) as [string, StepFailure][]),
            policy: DEFAULT_PLAN_POLICY,
          };
          const plan = planSteps(desired, observed, ctx);
          expect(planSteps(desired, observed, ctx)).toEqual(plan);
          const perModule = new Map<string, number>();
          for (const step of plan) {
            const ids = step.action === 'pullImage' ? step.moduleIds : [step.moduleId];
            for (const id of ids) perModule.set(id, (perModule.get(id) ?? 0) + 1);
          }
          for (const [id, count] of perModule) expect(count, `${id} in ${JSON.stringify(plan)}`).toBe(1);
          expect(perModule.has('z')).toBe(false);
          const byId = new Map(observed.modules.map((m) => [m.id, m]));
          for (const step of plan) {
            if (step.action === 'removeModule') expect(['running', 'paused', 'restarting']).not.toContain(byId.get(step.moduleId)?.state);
            if (step.action === 'createModule') expect(byId.has(step.moduleId)).toBe(false);
            if (step.action === 'startModule' || step.action === 'restartModule') expect(desired.modules.get(step.moduleId)?.status).toBe('running');
            expect(new Set(plan.map((s) => (s.action === 'wait' ? `wait:${s.moduleId}` : stepKey(s)))).size).toBe(plan.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
