import type { HubReadiness } from '@verge/contracts';
import type { ExecutorAround } from './executor-wrappers.js';
import { RetryableStepError } from './step-errors.js';

/** How long a start waits for the hub before it fails (retryable, with the step's backoff). */
export const HUB_GATE_WAIT_MS = 30_000;

/**
 * Starts a module only once the edge hub is configured for the deployment (issue 7; Azure's startup order:
 * edgeAgent starts edgeHub, then the modules): a module that publishes the moment it starts must find the routes
 * in force. Waits up to `waitMs`, then fails the step with AGT_HUB_NOT_CONFIGURED (retried with backoff); the
 * system modules run inside the runtime and are not gated.
 */
export function gateOnHub(hub: HubReadiness, waitMs = HUB_GATE_WAIT_MS): ExecutorAround {
  return async (step, ctx, run) => {
    if (step.action === 'startModule') {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(waitMs)]);
      try {
        await hub.whenConfigured(signal);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        throw new RetryableStepError('AGT_HUB_NOT_CONFIGURED', `module '${step.moduleId}' waits for the edge hub: it has no route table for the deployment yet (waited ${waitMs} ms)`, { cause: err });
      }
    }
    await run();
  };
}
