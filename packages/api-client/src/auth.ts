import { VergeError } from '@verge/contracts';
import { parseConnectionString, sasTokenFromConnectionString, type ServiceConnectionString } from '@verge/core';

/** Lifetime of the SAS tokens the client signs; azure-iothub signs for one hour too (`anHourFromNow`). */
export const defaultTokenTtlSec = 3600;

/**
 * Parses a service (shared access policy) connection string. Throws VergeError CONNECTION_STRING_INVALID for a
 * malformed string and CLIENT_CONNECTION_STRING_INVALID for a device or module connection string.
 */
export function parseServiceConnectionString(connectionString: string): ServiceConnectionString {
  const parsed = parseConnectionString(connectionString);
  if (parsed.kind !== 'service') {
    throw new VergeError(
      'CLIENT_CONNECTION_STRING_INVALID',
      `expected a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), got a ${parsed.kind} connection string`,
    );
  }
  return parsed;
}

/**
 * Returns a function giving the Authorization header for the next request: a SAS token signed with the policy key
 * for `sr={HostName}`, `skn={policy}`, valid `ttlSec` from now. A fresh token per request keeps the client stateless
 * (signing is one HMAC) and never sends an expired token after a long idle period.
 */
export function createServiceAuthorizer(cs: ServiceConnectionString, nowMs: () => number, ttlSec: number = defaultTokenTtlSec): () => string {
  return () => sasTokenFromConnectionString(cs, Math.floor(nowMs() / 1000) + ttlSec);
}
