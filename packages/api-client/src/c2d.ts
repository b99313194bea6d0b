import { C2dAcceptedSchema, VergeError, c2dHeaders } from '@verge/contracts';
import { expectBody } from './decode.js';
import { segment, type Transport } from './transport.js';
import type { C2dAccepted, C2dMessageInput } from './types.js';

// RFC 9110 token characters (header names) and the characters a header value may carry without encoding.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Enqueues a cloud-to-device message: `POST /devices/{id}/messages/deviceBound` with the payload bytes as the body
 * and the message's fields as IoT Hub's HTTP message headers (`iothub-messageid`, `iothub-correlationid`,
 * `iothub-expiry`, `iothub-app-{name}`…). HTTP header names are case-insensitive, so property names arrive in lower
 * case. Throws VergeError CLIENT_MESSAGE_INVALID before sending when a name or value cannot travel in a header.
 */
export async function sendC2d(transport: Transport, deviceId: string, message: C2dMessageInput, signal?: AbortSignal): Promise<C2dAccepted> {
  const headers = c2dRequestHeaders(message);
  const bytes = typeof message.payload === 'string' ? new TextEncoder().encode(message.payload) : new Uint8Array(message.payload);
  const res = await transport.request({ method: 'POST', path: `/devices/${segment(deviceId)}/messages/deviceBound`, bytes, headers, signal });
  return expectBody(C2dAcceptedSchema, res.body, 'send cloud-to-device message');
}

/** The request headers carrying a C2D message's fields (exported for tests and other transports). */
export function c2dRequestHeaders(message: C2dMessageInput): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (name: string, value: string | undefined, what: string): void => {
    if (value === undefined) return;
    if (!HEADER_VALUE.test(value)) throw invalid(`${what} holds characters an HTTP header cannot carry (use printable ASCII)`);
    headers[name] = value;
  };
  put(c2dHeaders.messageId, message.messageId, 'messageId');
  put(c2dHeaders.correlationId, message.correlationId, 'correlationId');
  put(c2dHeaders.userId, message.userId, 'userId');
  put(c2dHeaders.contentType, message.contentType, 'contentType');
  put(c2dHeaders.contentEncoding, message.contentEncoding, 'contentEncoding');
  put(c2dHeaders.expiry, message.expiryTimeUtc, 'expiryTimeUtc');
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(message.properties ?? {})) {
    if (!TOKEN.test(name)) throw invalid(`property name "${name}" is not an HTTP header token (letters, digits and !#$%&'*+.^_\`|~-)`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw invalid(`property names "${name}" and another differ only in case; HTTP headers would merge them`);
    seen.add(lower);
    put(`${c2dHeaders.appPrefix}${lower}`, value, `property "${name}"`);
  }
  return headers;
}

function invalid(rule: string): VergeError {
  return new VergeError('CLIENT_MESSAGE_INVALID', `cannot send the message: ${rule}`);
}
