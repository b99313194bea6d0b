import type { TelemetryMessage } from '@verge/api-client';
import { printable } from './printable.js';

/** How a message body is shown: parsed JSON, UTF-8 text, or base64 for binary payloads. */
export type BodyView = { readonly encoding: 'json'; readonly value: unknown } | { readonly encoding: 'utf8' | 'base64'; readonly value: string };

/**
 * Decodes a body for display: JSON when it parses, text when it is valid UTF-8 without control characters (other
 * than tab, CR, LF), base64 otherwise.
 */
export function viewBody(body: Uint8Array): BodyView {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { encoding: 'base64', value: Buffer.from(body).toString('base64') };
  }
  if (hasControlCharacters(text)) return { encoding: 'base64', value: Buffer.from(body).toString('base64') };
  if (text.trim() !== '') {
    try {
      return { encoding: 'json', value: JSON.parse(text) };
    } catch {
      // Not JSON: plain text.
    }
  }
  return { encoding: 'utf8', value: text };
}

/**
 * The `verge monitor --json` line: a stable shape, one object per message, no pretty-printing. Fields:
 * sequenceNumber, enqueuedTime, deviceId, moduleId (null for device messages), properties, systemProperties,
 * body (JSON value, text, or base64) and bodyEncoding (`json`, `utf8`, `base64`).
 */
export function telemetryJsonLine(message: TelemetryMessage): string {
  const body = viewBody(message.body);
  return JSON.stringify({
    sequenceNumber: message.sequenceNumber,
    enqueuedTime: message.enqueuedTime,
    deviceId: message.deviceId,
    moduleId: message.moduleId ?? null,
    properties: message.properties,
    systemProperties: message.systemProperties,
    body: body.value,
    bodyEncoding: body.encoding,
  });
}

/**
 * The human view of one message: `{enqueuedTime}  {device[/module]}`, then indented lines for application
 * properties, system properties other than the identity (already in the header), and the body. What the device
 * chose (properties, body) is shown with control characters escaped (`printable`).
 */
export function telemetryText(message: TelemetryMessage): string[] {
  const identity = message.moduleId === undefined ? message.deviceId : `${message.deviceId}/${message.moduleId}`;
  const lines = [`${message.enqueuedTime}  ${identity}`];
  const system = Object.entries(message.systemProperties).filter(([k]) => !hiddenSystemProperties.has(k));
  if (Object.keys(message.properties).length > 0) lines.push(`  properties: ${pairs(Object.entries(message.properties))}`);
  if (system.length > 0) lines.push(`  system:     ${pairs(system)}`);
  const body = viewBody(message.body);
  const shown = body.encoding === 'json' ? JSON.stringify(body.value) : body.encoding === 'utf8' ? JSON.stringify(body.value) : `(${message.body.length} bytes, base64) ${body.value}`;
  lines.push(`  body:       ${printable(shown)}`);
  return lines;
}

function hasControlCharacters(text: string): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code < 0x20 && ch !== '\t' && ch !== '\n' && ch !== '\r') || code === 0x7f) return true;
  }
  return false;
}

// Already shown in the header line.
const hiddenSystemProperties = new Set(['connectionDeviceId', 'connectionModuleId', 'enqueuedTime']);

function pairs(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([k, v]) => `${printable(k)}=${printable(v)}`).join('  ');
}
