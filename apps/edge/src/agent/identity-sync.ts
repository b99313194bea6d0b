import type { Clock } from '@verge/contracts';
import { backoffDelayMs, IDENTITY_SYNC_BACKOFF, type BackoffPolicy } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { ModuleIdentities } from './module-identities.js';
import { RetryableStepError } from './step-errors.js';

/** How often the identities are compared with the cloud's although the deployed modules did not change. */
export const IDENTITY_RESYNC_MS = 10 * 60_000;

/**
 * Calls to the cloud about module identities, with their own backoff (5 s doubling to 5 min by default): the
 * reconcile loop asks every pass, but the cloud is asked again only after the backoff once a call failed. While
 * the deployed modules stay the same, the cloud is read again every `resyncMs`: an identity deleted there (or
 * deleted and created again, with a new generation and so new keys) is created again and its generation learnt,
 * as edgeAgent reconciles the identities on every pass, instead of the modules' credentials staying refused.
 */
export class IdentitySync {
  private failures = 0;
  private retryAtMs = Number.NEGATIVE_INFINITY;
  private syncedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly identities: ModuleIdentities,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly backoff: BackoffPolicy = IDENTITY_SYNC_BACKOFF,
    private readonly resyncMs: number = IDENTITY_RESYNC_MS,
  ) {}

  /** Brings the cloud in line with the deployed modules, unless backing off; never rejects. */
  async sync(moduleIds: readonly string[]): Promise<void> {
    const nowMs = this.clock.nowMs();
    if (nowMs < this.retryAtMs) return;
    // A clock that went back counts as due, so a jump never postpones the next read.
    const due = nowMs - this.syncedAtMs >= this.resyncMs || nowMs < this.syncedAtMs;
    try {
      if (await this.identities.sync(moduleIds, { force: due })) this.syncedAtMs = nowMs;
      this.failures = 0;
    } catch (err) {
      this.failed(err, 'cannot synchronise module identities with the cloud');
    }
  }

  /**
   * The generation id for a module's `IOTEDGE_MODULEGENERATIONID`: from the cache, else asked of the cloud now.
   * Rejects with a RetryableStepError AGT_IDENTITY_MISSING when it cannot be known (the create step backs off).
   */
  async generationIdFor(moduleId: string): Promise<string> {
    const known = this.identities.generationIdOf(moduleId);
    if (known !== undefined) return known;
    try {
      return await this.identities.ensure(moduleId);
    } catch (err) {
      throw new RetryableStepError('AGT_IDENTITY_MISSING', `module '${moduleId}' has no identity yet: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Retries `ensure(moduleId)` with the backoff until it succeeds or `signal` aborts. */
  async ensureUntilKnown(moduleId: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.identities.ensure(moduleId);
        this.failures = 0;
        return;
      } catch (err) {
        const delayMs = this.failed(err, `cannot learn the identity of ${moduleId}`);
        await new Promise<void>((resolve) => {
          const cancel = this.clock.setTimer(resolve, delayMs);
          signal.addEventListener('abort', () => {
            cancel();
            resolve();
          }, { once: true });
        });
      }
    }
  }

  private failed(err: unknown, message: string): number {
    this.failures += 1;
    const delayMs = backoffDelayMs(this.failures, this.backoff);
    this.retryAtMs = this.clock.nowMs() + delayMs;
    this.log.warn({ err, retryInMs: delayMs }, message);
    return delayMs;
  }
}
