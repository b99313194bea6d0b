import { VergeError, isVergeError, type ErrorCode } from '@verge/contracts';
import { IOT_HUB_SAS_CLOCK_SKEW_SEC, parseSasToken, verifySasToken, type SasToken } from '@verge/core';
import type { PolicyRecord, PolicyRight } from '../store/records.js';

/** What `authenticateService` needs. */
export interface ServiceAuthOptions {
  readonly hostName: string;
  /** Other audiences accepted besides `hostName` (the host name with the port a listener was reached on). */
  readonly extraAudiences?: readonly string[];
  readonly nowSec: number;
  readonly findPolicy: (name: string) => Promise<PolicyRecord | undefined>;
}

/**
 * Authenticates a service API request from its `Authorization` header: a SharedAccessSignature token of a
 * shared access policy, as azure-iothub builds it (`sr={HostName}`, `skn={policy}`, signed with the policy's
 * primary or secondary key; IoT Hub's 5-minute clock skew applies after `se`). Returns the policy; throws
 * CLD_AUTH_MISSING, CLD_AUTH_MALFORMED, CLD_AUTH_POLICY_UNKNOWN, CLD_AUTH_AUDIENCE_INVALID, CLD_AUTH_EXPIRED or
 * CLD_AUTH_SIGNATURE_INVALID, each naming the problem.
 */
export async function authenticateService(header: string | undefined, opts: ServiceAuthOptions): Promise<PolicyRecord> {
  if (header === undefined || header.trim() === '') {
    throw fail('CLD_AUTH_MISSING', 'no Authorization header: send "SharedAccessSignature sr={host}&sig=…&se=…&skn={policy}"');
  }
  const token = parse(header.trim());
  if (token.keyName === undefined) {
    throw fail('CLD_AUTH_POLICY_UNKNOWN', "the token names no shared access policy (no 'skn' field); service tokens are signed with a policy key");
  }
  const policy = await opts.findPolicy(token.keyName);
  if (policy === undefined) {
    throw fail('CLD_AUTH_POLICY_UNKNOWN', `shared access policy '${token.keyName}' does not exist`, { policy: token.keyName });
  }
  const result = verifySasToken(header.trim(), {
    keys: [policy.primaryKey, policy.secondaryKey],
    audiences: [opts.hostName, ...(opts.extraAudiences ?? [])],
    nowSec: opts.nowSec,
    clockSkewSec: IOT_HUB_SAS_CLOCK_SKEW_SEC,
  });
  if (result.ok) return policy;
  switch (result.reason) {
    case 'malformed':
      throw fail('CLD_AUTH_MALFORMED', result.message);
    case 'audience':
      throw fail('CLD_AUTH_AUDIENCE_INVALID', `the token's resource (sr) '${token.resource}' is not this hub's host name '${opts.hostName}'`, {
        resource: token.resource,
      });
    case 'expired':
      throw fail('CLD_AUTH_EXPIRED', `the token expired at ${new Date(token.expirySec * 1000).toISOString()} (se=${token.expirySec})`, {
        expiredAt: token.expirySec,
      });
    case 'signature':
      throw fail('CLD_AUTH_SIGNATURE_INVALID', `the token's signature does not match a key of policy '${policy.name}' (wrong key, or the token was altered)`, {
        policy: policy.name,
      });
    default:
      return assertNever(result.reason);
  }
}

/** Throws CLD_AUTH_RIGHT_MISSING unless the policy holds `right`. */
export function assertRight(policy: PolicyRecord, right: PolicyRight): void {
  if (!policy.rights.includes(right)) {
    throw fail('CLD_AUTH_RIGHT_MISSING', `shared access policy '${policy.name}' lacks the ${right} right this operation needs`, {
      policy: policy.name,
      right,
    });
  }
}

function parse(header: string): SasToken {
  try {
    return parseSasToken(header);
  } catch (e) {
    if (isVergeError(e)) throw fail('CLD_AUTH_MALFORMED', e.message);
    throw e;
  }
}

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): VergeError {
  return new VergeError(code, message, details === undefined ? {} : { details });
}

function assertNever(x: never): never {
  throw new Error(`unexpected reason ${String(x)}`);
}
