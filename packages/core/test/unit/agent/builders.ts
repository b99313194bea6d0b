import { DEFAULT_STARTUP_ORDER, type DockerModuleSpec, type ModuleSpec, type ProcessModuleSpec, type RegistryCredential } from '@verge/contracts';
import { configHash, DEFAULT_PLAN_POLICY, type DesiredState, type ModuleHealth, type ObservedModule, type ObservedState, type PlanContext, type StepFailure } from '@verge/core';

// Test builders for the agent planner (STYLE §2.8: aModule, anObservedModule).

export const T0 = 1_700_000_000_000;

type DockerOverrides = Partial<Omit<DockerModuleSpec, 'settings' | 'type'>> & { image?: string; createOptions?: Record<string, unknown> };

/** A docker module desired running, restart policy always, image `example.azurecr.io/<id>:1.0`. */
export function aModule(id: string, overrides: DockerOverrides = {}): DockerModuleSpec {
  const { image, createOptions, ...rest } = overrides;
  const options = createOptions ?? {};
  return {
    id,
    type: 'docker',
    version: '1.0',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: DEFAULT_STARTUP_ORDER,
    imagePullPolicy: 'on-create',
    env: {},
    ...rest,
    settings: { image: image ?? `example.azurecr.io/${id}:1.0`, createOptions: options, createOptionsJson: JSON.stringify(options) },
  };
}

/** A process module desired running, restart policy always. */
export function aProcessModule(id: string, overrides: Partial<Omit<ProcessModuleSpec, 'type'>> = {}): ProcessModuleSpec {
  return {
    id,
    type: 'process',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: DEFAULT_STARTUP_ORDER,
    imagePullPolicy: 'on-create',
    env: {},
    settings: { command: 'node', args: [`${id}.js`] },
    ...overrides,
  };
}

/** Desired state of generation 7 (default) holding `modules`. */
export function desiredOf(
  modules: readonly ModuleSpec[],
  options: { generation?: number; registryCredentials?: Record<string, RegistryCredential>; loggingOptions?: string; runtimeFingerprint?: string; identityGenerations?: Record<string, string> } = {},
): DesiredState {
  return {
    generation: options.generation ?? 7,
    modules: new Map(modules.map((m) => [m.id, m])),
    registryCredentials: options.registryCredentials ?? {},
    ...(options.loggingOptions === undefined ? {} : { loggingOptions: options.loggingOptions }),
    ...(options.runtimeFingerprint === undefined ? {} : { runtimeFingerprint: options.runtimeFingerprint }),
    ...(options.identityGenerations === undefined ? {} : { identityGenerations: new Map(Object.entries(options.identityGenerations)) }),
  };
}

/** The observed module created from `spec` (owned, matching hash), running since T0 − 60 s unless overridden. */
export function anObservedModule(spec: ModuleSpec, overrides: Partial<ObservedModule> = {}): ObservedModule {
  return {
    id: spec.id,
    type: spec.type,
    state: 'running',
    startedAtMs: T0 - 60_000,
    ...(spec.type === 'docker' ? { image: spec.settings.image, imageId: `sha256:${'ab'.repeat(32)}` } : {}),
    configHash: configHash(spec),
    owned: true,
    ...overrides,
  };
}

/** An observed module that exited with `exitCode` at `exitedAtMs`, after running since before. */
export function anExitedModule(spec: ModuleSpec, exitCode: number, exitedAtMs: number, overrides: Partial<ObservedModule> = {}): ObservedModule {
  return anObservedModule(spec, { state: 'exited', exitCode, startedAtMs: exitedAtMs - 5_000, exitedAtMs, ...overrides });
}

/** Observed state with `modules` and the images of every docker spec in `withImagesOf` present. */
export function observedOf(modules: readonly ObservedModule[], images: Iterable<string> = []): ObservedState {
  return { modules, images: new Set(images) };
}

/** Images of the given docker specs. */
export function imagesOf(...specs: readonly ModuleSpec[]): string[] {
  return specs.flatMap((s) => (s.type === 'docker' ? [s.settings.image] : []));
}

/** A plan context at T0 with the default policy and an empty ledger. */
export function ctxOf(overrides: { nowMs?: number; health?: Record<string, ModuleHealth>; failures?: Record<string, StepFailure> } = {}): PlanContext {
  return {
    nowMs: overrides.nowMs ?? T0,
    health: new Map(Object.entries(overrides.health ?? {})),
    failures: new Map(Object.entries(overrides.failures ?? {})),
    policy: DEFAULT_PLAN_POLICY,
  };
}

/** mulberry32: a small seeded uniform [0, 1) generator, so jitter is reproducible. */
export function seededRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
