import type { ModuleSpec, RegistryCredential } from '@verge/contracts';
import type { ActionStep, ModuleType, StepOutcome } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { ModuleRuntime } from '../runtime/module-runtime.js';
import { PermanentStepError, PrerequisiteError, stepErrorKind } from './step-errors.js';

/** What every executor receives besides its step. */
export interface ExecutorContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/**
 * One executor per action (STYLE §2.3, balena `Executors<T>`): a mapped type over the step union, so an action
 * without an executor does not compile. `wait` steps are never executed (the loop runs `isActionStep` steps only).
 */
export type Executors = { readonly [A in ActionStep['action']]: (step: Extract<ActionStep, { action: A }>, ctx: ExecutorContext) => Promise<void> };

/** The runtimes by module type; a type without a runtime is refused for good (e.g. docker modules with `--runtime process`). */
export type RuntimesByType = Readonly<Partial<Record<ModuleType, ModuleRuntime>>>;

/** What the executors need besides the runtimes. */
export interface ExecutorDeps {
  readonly runtimes: RuntimesByType;
  /** `registryCredentials[name]` of the deployment being reconciled. */
  readonly credential: (name: string) => RegistryCredential | undefined;
  /** The runtime-injected environment of a module (reference §6.1); rejects with AGT_IDENTITY_MISSING before its identity exists. */
  readonly moduleEnv: (spec: ModuleSpec) => Promise<Record<string, string>>;
}

/** The runtime that holds modules of `type`, or a PermanentStepError naming the missing one. */
export function runtimeFor(runtimes: RuntimesByType, type: ModuleType): ModuleRuntime {
  const runtime = runtimes[type];
  if (runtime === undefined) {
    const available = Object.keys(runtimes).join(', ') || 'none';
    throw new PermanentStepError('AGT_RUNTIME_UNAVAILABLE', `${type} modules cannot run here: this edge runtime has no ${type} runtime (available: ${available})`);
  }
  return runtime;
}

/** The executor table: one runtime call per step (restart is stop + start, reference §2.5), nothing else. */
export function createExecutors(deps: ExecutorDeps): Executors {
  return {
    pullImage: async (step, ctx) => {
      const credential = step.credentialName === undefined ? undefined : deps.credential(step.credentialName);
      await runtimeFor(deps.runtimes, 'docker').pullImage(step.image, credential, ctx.signal);
    },
    createModule: async (step) => {
      const runtime = runtimeFor(deps.runtimes, step.type);
      const env = await deps.moduleEnv(step.module);
      await runtime.createModule(step.module, { configHash: step.configHash, env, ...(step.loggingOptions === undefined ? {} : { loggingOptions: step.loggingOptions }) });
    },
    startModule: async (step) => {
      await runtimeFor(deps.runtimes, step.type).startModule(step.moduleId);
    },
    stopModule: async (step) => {
      await runtimeFor(deps.runtimes, step.type).stopModule(step.moduleId, step.timeoutMs);
    },
    removeModule: async (step) => {
      await runtimeFor(deps.runtimes, step.type).removeModule(step.moduleId);
    },
    restartModule: async (step) => {
      const runtime = runtimeFor(deps.runtimes, step.type);
      await runtime.stopModule(step.moduleId, step.timeoutMs);
      await runtime.startModule(step.moduleId);
    },
    // Intensive care acts on the ledger only (EA RemoveFromStoreCommand); recordStepOutcomes does it.
    resetHealth: async () => undefined,
  };
}

/** Runs one step through the table. */
export function runStep(executors: Executors, step: ActionStep, ctx: ExecutorContext): Promise<void> {
  const executor = executors[step.action] as (s: ActionStep, c: ExecutorContext) => Promise<void>;
  return executor(step, ctx);
}

/**
 * Turns a settled step into the core's `StepOutcome`, or returns the PrerequisiteError that must drop the batch
 * (STYLE §2.3): `retryable` is the default for any error (an unexpected error never parks a step for good).
 */
export function classifyOutcome(step: ActionStep, result: PromiseSettledResult<void>): StepOutcome | PrerequisiteError {
  if (result.status === 'fulfilled') return { step, ok: true };
  const error: unknown = result.reason;
  if (error instanceof PrerequisiteError) return error;
  const kind = stepErrorKind(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : undefined;
  return { step, ok: false, kind: kind === 'permanent' ? 'permanent' : 'retryable', message, ...(code === undefined ? {} : { code }) };
}
