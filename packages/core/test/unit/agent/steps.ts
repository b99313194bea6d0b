import { configHash, DEFAULT_PLAN_POLICY, type ModuleType, type Step, type WaitStep } from '@verge/core';
import type { ModuleSpec } from '@verge/contracts';

// Step literals for expectations, so each table row reads as the exact ordered batch.

const STOP_MS = DEFAULT_PLAN_POLICY.stopTimeoutMs;

export const pull = (image: string, moduleIds: string[], credentialName?: string): Step => ({
  action: 'pullImage',
  image,
  moduleIds,
  ...(credentialName === undefined ? {} : { credentialName }),
});
export const create = (module: ModuleSpec, extra: { loggingOptions?: string; fingerprint?: string } = {}): Step => ({
  action: 'createModule',
  moduleId: module.id,
  type: module.type,
  module,
  configHash: configHash(module, extra.fingerprint),
  ...(extra.loggingOptions === undefined ? {} : { loggingOptions: extra.loggingOptions }),
});
export const start = (moduleId: string, type: ModuleType = 'docker'): Step => ({ action: 'startModule', moduleId, type });
export const stop = (moduleId: string, reason: 'removed' | 'recreate' | 'desiredStopped', type: ModuleType = 'docker'): Step => ({
  action: 'stopModule',
  moduleId,
  type,
  timeoutMs: STOP_MS,
  reason,
});
export const remove = (moduleId: string, reason: 'removed' | 'recreate' | 'dead', type: ModuleType = 'docker'): Step => ({ action: 'removeModule', moduleId, type, reason });
export const restart = (moduleId: string, restartCount: number, type: ModuleType = 'docker'): Step => ({
  action: 'restartModule',
  moduleId,
  type,
  timeoutMs: STOP_MS,
  restartCount,
});
export const resetHealth = (moduleId: string, type: ModuleType = 'docker'): Step => ({ action: 'resetHealth', moduleId, type, reason: 'intensiveCare' });
export const waitFor = (moduleId: string, fields: Omit<WaitStep, 'action' | 'moduleId'>): Step => ({ action: 'wait', moduleId, ...fields });
