import type { Clock } from '@verge/contracts';

/**
 * Coalesced wake-ups of the reconcile loop (STYLE §2.3; balena ExclusiveRunner, controller-runtime workqueue): any
 * number of triggers while the loop runs or sleeps become one pending wake-up, and the loop sleeps until a trigger
 * or its timer, whichever comes first.
 */
export class Wake {
  private pending: string[] = [];
  private resolveSleep: ((reasons: string[]) => void) | undefined;

  constructor(private readonly clock: Clock) {}

  /** Requests another pass; `reason` is for the log. */
  trigger(reason: string): void {
    if (!this.pending.includes(reason)) this.pending.push(reason);
    const resolve = this.resolveSleep;
    if (resolve !== undefined) {
      this.resolveSleep = undefined;
      resolve(this.take());
    }
  }

  /** Resolves with the trigger reasons at once when some are pending, else at the next trigger or after `ms` (`['timer']`). */
  sleep(ms: number, signal: AbortSignal): Promise<string[]> {
    if (this.pending.length > 0 || signal.aborted) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const finish = (reasons: string[]): void => {
        cancel();
        signal.removeEventListener('abort', onAbort);
        this.resolveSleep = undefined;
        resolve(reasons);
      };
      const onAbort = (): void => finish(['stop']);
      const cancel = this.clock.setTimer(() => finish(['timer']), ms);
      this.resolveSleep = finish;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private take(): string[] {
    const reasons = this.pending;
    this.pending = [];
    return reasons;
  }
}
