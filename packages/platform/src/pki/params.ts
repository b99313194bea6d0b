import { isIP } from 'node:net';
import { VergeError } from '@verge/contracts';

/** Longest validity accepted, in days (100 years): beyond it a typo is likelier than intent. */
export const MAX_VALIDITY_DAYS = 36_500;
/** Certificates start this long before "now" so peers with a slightly slow clock accept them at once. */
export const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
// RFC 1123 labels; a leading `*.` wildcard label is allowed.
const DNS_NAME = /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Checks a common name: non-empty, at most 64 characters (X.520 upper bound), no control characters. */
export function checkCommonName(name: string, arg = 'commonName'): string {
  if (name.trim() === '') fail(arg, 'must not be empty');
  if (name.length > 64) fail(arg, `is ${name.length} characters long; at most 64 are allowed (X.520 ub-common-name)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) fail(arg, 'must not contain control characters');
  return name;
}

/** Checks `validityDays` (a positive number of days, fractions allowed, at most MAX_VALIDITY_DAYS) and returns ms. */
export function validityMs(days: number, arg = 'validityDays'): number {
  if (!Number.isFinite(days) || days <= 0) fail(arg, `must be a positive number of days, got ${String(days)}`);
  if (days > MAX_VALIDITY_DAYS) fail(arg, `is ${days}; at most ${MAX_VALIDITY_DAYS} days are allowed`);
  return Math.round(days * DAY_MS);
}

/** Checks DNS names for a subjectAltName extension. */
export function checkDnsNames(names: readonly string[], arg = 'dnsNames'): readonly string[] {
  names.forEach((n, i) => {
    if (n.length > 253 || !DNS_NAME.test(n)) fail(`${arg}[${i}]`, `'${n}' is not a valid DNS name (RFC 1123 labels, optional leading '*.')`);
  });
  return names;
}

/** Checks IPv4/IPv6 addresses for a subjectAltName extension. */
export function checkIpAddresses(addresses: readonly string[], arg = 'ipAddresses'): readonly string[] {
  addresses.forEach((a, i) => {
    if (isIP(a) === 0) fail(`${arg}[${i}]`, `'${a}' is not an IPv4 or IPv6 address`);
  });
  return addresses;
}

function fail(arg: string, rule: string): never {
  throw new VergeError('PKI_PARAMETER_INVALID', `${arg} ${rule}`);
}
