/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Time between two checks (default 50 ms). */
  readonly intervalMs?: number;
  /** What the test waits for, named in the failure ("the module twin reports 'running'"). */
  readonly description?: string;
}

/** A check's "not yet": `undefined` or `false` (a thrown error counts as "not yet" too, and is reported). */
type Settled<T> = Exclude<T, undefined | false>;

/**
 * Waits for an event the test cannot await directly: calls `check` until it returns a value other than `undefined`
 * or `false` without throwing, and resolves with that value. After `timeoutMs` it fails with the description and
 * the last error `check` threw (or the last value it returned), so a failure says what never happened.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Settled<T>> {
  const { timeoutMs = 10_000, intervalMs = 50, description = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown };
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Settled<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) throw timeoutError(description, timeoutMs, last);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function timeoutError(description: string, timeoutMs: number, last: { error: unknown } | { value: unknown }): Error {
  if ('error' in last) {
    const reason = last.error instanceof Error ? last.error.message : String(last.error);
    return new Error(`timed out after ${timeoutMs} ms waiting for ${description}; last error: ${reason}`, { cause: last.error });
  }
  return new Error(`timed out after ${timeoutMs} ms waiting for ${description}; last result: ${String(last.value)}`);
}
