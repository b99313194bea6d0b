import { isVergeError, type ErrorCode } from '@verge/contracts';

/** An AMQP error (`rejected` outcome, link or connection close), as rhea takes it. */
export interface AmqpCondition {
  readonly condition: string;
  readonly description: string;
  readonly info?: Record<string, unknown>;
}

/**
 * The AMQP condition IoT Hub gives for each refusal, so azure-iothub turns it into the same error class
 * (`DeviceNotFoundError`, `DeviceMaximumQueueDepthExceededError`, `MessageTooLargeError`, `UnauthorizedError`, …).
 */
const CONDITIONS: Partial<Record<ErrorCode, string>> = {
  CLD_DEVICE_NOT_FOUND: 'amqp:not-found',
  CLD_ID_INVALID: 'com.microsoft:argument-error',
  CLD_C2D_QUEUE_FULL: 'amqp:resource-limit-exceeded',
  CLD_C2D_MESSAGE_TOO_LARGE: 'amqp:link:message-size-exceeded',
  CLD_C2D_EXPIRY_INVALID: 'com.microsoft:argument-out-of-range',
  CLD_AMQP_MESSAGE_INVALID: 'com.microsoft:argument-error',
  CLD_AUTH_MISSING: 'amqp:unauthorized-access',
  CLD_AUTH_MALFORMED: 'amqp:unauthorized-access',
  CLD_AUTH_POLICY_UNKNOWN: 'amqp:unauthorized-access',
  CLD_AUTH_AUDIENCE_INVALID: 'amqp:unauthorized-access',
  CLD_AUTH_EXPIRED: 'amqp:unauthorized-access',
  CLD_AUTH_SIGNATURE_INVALID: 'amqp:unauthorized-access',
  CLD_AUTH_RIGHT_MISSING: 'amqp:unauthorized-access',
  CLD_DISK_LOW: 'com.microsoft:quota-exceeded',
  CLD_STORE_CONFLICT: 'com.microsoft:timeout',
};

/** The condition of an error (a VergeError by its code; anything else is `amqp:internal-error` without its text). */
export function amqpConditionOf(err: unknown): AmqpCondition {
  if (!isVergeError(err)) return { condition: 'amqp:internal-error', description: 'internal error; the cloud logged it' };
  return { condition: CONDITIONS[err.code] ?? (err.status >= 500 ? 'amqp:internal-error' : 'amqp:not-allowed'), description: `${err.code}: ${err.message}`, info: { 'verge-code': err.code } };
}
