/** The longest delay a browser (or Node) timer holds: 2^31-1 ms, about 24.8 days. A longer one fires at once. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `onExpired` once the clock passes `expirySec` (a SAS token's `se`), waiting in steps a timer can hold: a
 * pasted token valid for a month would otherwise sign the user out at once. Returns a function that cancels it.
 */
export function onSessionExpiry(expirySec: number, onExpired: () => void, nowMs: () => number = Date.now): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = (): void => {
    const remainingMs = expirySec * 1000 - nowMs();
    if (remainingMs <= 0) {
      timer = undefined;
      onExpired();
      return;
    }
    timer = setTimeout(wait, Math.min(remainingMs, MAX_TIMER_DELAY_MS));
  };
  wait();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
  };
}
