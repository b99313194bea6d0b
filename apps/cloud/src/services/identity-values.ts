import type { Clock } from '@verge/contracts';
import { encodeBase64 } from '@verge/core';
import type { RandomSource } from './context.js';

/** IoT Hub's "never" for times that have not happened (its REST API returns this instead of null). */
export const NEVER_ISO = '0001-01-01T00:00:00Z';

/** ISO-8601 of an epoch-ms time, or IoT Hub's "never". */
export function isoOrNever(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? NEVER_ISO : new Date(ms).toISOString();
}

/** A fresh opaque etag (base64 of 8 random bytes); changes on every write of an identity. */
export function newEtag(random: RandomSource): string {
  return encodeBase64(random.bytes(8));
}

/**
 * A generation id in IoT Hub's style (a decimal number that differs each time an id is created): the creation
 * time in ms followed by 6 random digits, so a device deleted and created again gets a new one.
 */
export function newGenerationId(clock: Pick<Clock, 'nowMs'>, random: RandomSource): string {
  const b = random.bytes(4);
  const n = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
  return `${clock.nowMs()}${String(n % 1_000_000).padStart(6, '0')}`;
}

const SCOPE_PREFIX = 'ms-azure-iot-edge://';

/** An edge device's scope, as IoT Hub forms it: `ms-azure-iot-edge://{deviceId}-{generationId}`. */
export function edgeDeviceScope(deviceId: string, generationId: string): string {
  return `${SCOPE_PREFIX}${deviceId}-${generationId}`;
}

/** True when `text` has the form of a device scope (the edge device it names must still be looked up). */
export function looksLikeDeviceScope(text: string): boolean {
  return text.startsWith(SCOPE_PREFIX) && text.length > SCOPE_PREFIX.length;
}

/**
 * Normalizes an `If-Match` header: undefined when absent, `*` for any (azure-iothub sends `"*"` quoted),
 * otherwise the etag without quotes or a weak `W/` prefix.
 */
export function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let v = header.trim();
  if (v.startsWith('W/')) v = v.slice(2);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return v;
}

/** True when a parsed `If-Match` value allows writing over `currentEtag`. */
export function etagMatches(ifMatch: string, currentEtag: string): boolean {
  return ifMatch === '*' || ifMatch === currentEtag;
}
