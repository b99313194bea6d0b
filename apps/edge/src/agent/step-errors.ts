import { VergeError, type ErrorCode, type VergeErrorOptions } from '@verge/contracts';

// How an executor's failure is handled (STYLE §2.3 and §2.5). The runtimes throw these; the executor table maps
// them to a core `StepOutcome` (`kind`), and a PrerequisiteError stops the batch and backs off the whole loop
// (iotedge ExecutionPrerequisiteException). Each is a VergeError, so the code stays in the one registry.

/** What the loop does with a failed step: retry it with backoff, park it until the next generation, or back off the loop. */
export type StepErrorKind = 'retryable' | 'permanent' | 'prerequisite';

/** A failure that may pass (network, a busy engine, a transient conflict): the step is retried with backoff. */
export class RetryableStepError extends VergeError {
  readonly kind = 'retryable' as const;

  constructor(code: ErrorCode, message: string, options: VergeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'RetryableStepError';
  }
}

/**
 * A failure that retrying cannot fix (401 or 404 on pull, a malformed reference, a command that does not exist,
 * a name taken by a foreign container): the step is parked until the deployment changes (controller-runtime
 * TerminalError).
 */
export class PermanentStepError extends VergeError {
  readonly kind = 'permanent' as const;

  constructor(code: ErrorCode, message: string, options: VergeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'PermanentStepError';
  }
}

/** The runtime itself is missing (Docker engine down): drop the batch and back off the whole loop. */
export class PrerequisiteError extends VergeError {
  readonly kind = 'prerequisite' as const;

  constructor(code: ErrorCode, message: string, options: VergeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'PrerequisiteError';
  }
}

/** Any of the three step error classes. */
export type StepError = RetryableStepError | PermanentStepError | PrerequisiteError;

/** True for the three step error classes. */
export function isStepError(error: unknown): error is StepError {
  return error instanceof RetryableStepError || error instanceof PermanentStepError || error instanceof PrerequisiteError;
}

/**
 * The kind of any thrown value: a step error's own kind, `retryable` for everything else (STYLE §2.5: retryable
 * is the default, so an unexpected error never parks a step for good).
 */
export function stepErrorKind(error: unknown): StepErrorKind {
  return isStepError(error) ? error.kind : 'retryable';
}
