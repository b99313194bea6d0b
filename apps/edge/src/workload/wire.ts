import { VergeError } from '@verge/contracts';

// Bodies of the workload API (reference azure-iot-edge.md §7.1; azure-sdk-protocol.md §7), read by hand so that
// every refusal names the field and the rule, as edged's `{ message }` does.

/** `POST /modules/{m}/genid/{g}/sign` body. edged reads only `data`; `keyId` picks the module key (default primary). */
export interface SignRequest {
  readonly keyId: 'primary' | 'secondary';
  readonly algo: 'HMACSHA256';
  /** base64 of the bytes to sign (for SAS: `urlencoded(resource) + "\n" + expiry`). */
  readonly data: string;
}

/** `POST /modules/{m}/genid/{g}/certificate/server` body. */
export interface ServerCertificateRequest {
  readonly commonName: string;
  /** RFC 3339 time the certificate should expire at; capped by the runtime's maximum and the edge CA. */
  readonly expiration?: Date;
}

/** A `201` answer of the certificate routes. */
export interface CertificateResponse {
  readonly privateKey: { readonly type: 'key'; readonly bytes: string };
  /** PEM chain: the certificate, then the edge CA (and its issuers). */
  readonly certificate: string;
  /** RFC 3339 notAfter. */
  readonly expiration: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a sign request body. Throws AGT_WORKLOAD_REQUEST_INVALID. */
export function readSignRequest(body: unknown): SignRequest {
  const object = requireObject(body);
  const { keyId, algo, data } = object;
  if (keyId !== undefined && keyId !== 'primary' && keyId !== 'secondary') invalid('keyId', 'must be "primary" or "secondary"');
  if (algo !== undefined && algo !== 'HMACSHA256') invalid('algo', 'must be "HMACSHA256", the only algorithm the workload API signs with');
  if (typeof data !== 'string' || data === '') invalid('data', 'is required: base64 of the bytes to sign');
  if (!BASE64.test(data)) invalid('data', 'must be standard base64 (RFC 4648 §4, with padding)');
  return { keyId: keyId ?? 'primary', algo: 'HMACSHA256', data };
}

/** Reads a server certificate request body. Throws AGT_WORKLOAD_REQUEST_INVALID. */
export function readServerCertificateRequest(body: unknown): ServerCertificateRequest {
  const object = requireObject(body);
  const { commonName, expiration } = object;
  if (typeof commonName !== 'string' || commonName.trim() === '') invalid('commonName', 'is required: the host name the certificate is for');
  if (commonName.length > 64) invalid('commonName', `is ${commonName.length} characters long; at most 64 are allowed`);
  if (expiration === undefined || expiration === null) return { commonName };
  if (typeof expiration !== 'string') invalid('expiration', 'must be an RFC 3339 time string');
  const ms = Date.parse(expiration);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(expiration) || Number.isNaN(ms)) invalid('expiration', `${JSON.stringify(expiration)} is not an RFC 3339 time`);
  return { commonName, expiration: new Date(ms) };
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) invalid('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

function invalid(field: string, rule: string): never {
  throw new VergeError('AGT_WORKLOAD_REQUEST_INVALID', field === 'body' ? `the request body ${rule}` : `body.${field} ${rule}`);
}
