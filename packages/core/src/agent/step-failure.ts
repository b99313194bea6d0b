/**
 * How an executor classifies a failed step (STYLE §2.5): `retryable` (the default) backs off and retries;
 * `permanent` (bad image reference, 401/404 on pull, a command that does not exist) parks the step until the
 * generation changes (controller-runtime TerminalError).
 */
export type StepFailureKind = 'retryable' | 'permanent';

/** The last failure of a step key in one generation, as kept by the ledger. */
export interface StepFailure {
  readonly generation: number;
  readonly kind: StepFailureKind;
  /** Consecutive failed attempts in `generation` (1 after the first failure). */
  readonly attempts: number;
  readonly lastAttemptAtMs: number;
  /** First instant at which the step may run again; drawn once, with jitter, when the failure is recorded. */
  readonly retryAtMs: number;
  /** What went wrong, for logs, `statusDescription` and `lastDesiredStatus`. */
  readonly message: string;
  /** Error code, when the executor had one (a VergeError code or a Docker/HTTP status). */
  readonly code?: string | undefined;
}

/** The failure of `key` that still applies in `generation`; failures of another generation are forgotten. */
export function currentFailure(failures: ReadonlyMap<string, StepFailure>, key: string, generation: number): StepFailure | undefined {
  const failure = failures.get(key);
  return failure !== undefined && failure.generation === generation ? failure : undefined;
}
