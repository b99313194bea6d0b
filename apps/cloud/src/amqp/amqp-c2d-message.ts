import { VergeError } from '@verge/contracts';
import type { C2dSendInput } from '../services/c2d-service.js';

/** The fields of an AMQP 1.0 message this endpoint reads (rhea's decoded message). */
export interface AmqpMessageFields {
  readonly to?: unknown;
  readonly message_id?: unknown;
  readonly correlation_id?: unknown;
  readonly user_id?: unknown;
  readonly content_type?: unknown;
  readonly content_encoding?: unknown;
  readonly absolute_expiry_time?: unknown;
  readonly application_properties?: unknown;
  readonly body?: unknown;
}

/** What azure-iothub `Client.send` asks for: no feedback, or feedback on success, failure or both (`iothub-ack`). */
export type C2dAck = 'none' | 'positive' | 'negative' | 'full';

/** A C2D message read off the `/messages/devicebound` link: its device and what to queue. */
export interface AmqpC2dMessage {
  readonly deviceId: string;
  readonly input: C2dSendInput;
  readonly ack: C2dAck;
}

const ACKS: readonly string[] = ['none', 'positive', 'negative', 'full'];
const TO = /^\/devices\/([^/]+)\/messages\/devicebound$/i;

/**
 * Reads a C2D message as azure-iothub's `Client.send` sends it over AMQP: `to` is `/devices/{url-encoded id}/messages/devicebound`,
 * the body one data section, application properties the message's properties (`iothub-ack` the feedback wanted),
 * `message_id`/`correlation_id` strings or UUIDs. Throws CLD_AMQP_MESSAGE_INVALID naming the field otherwise.
 */
export function readC2dMessage(m: AmqpMessageFields): AmqpC2dMessage {
  const to = typeof m.to === 'string' ? TO.exec(m.to) : null;
  if (to === null) {
    throw invalid('to', `the message's 'to' must be /devices/{deviceId}/messages/devicebound; it is ${describe(m.to)}`);
  }
  const deviceId = decodeId(to[1] ?? '');
  const properties: Record<string, string> = {};
  let ack: C2dAck = 'none';
  const app = m.application_properties;
  if (app !== undefined && app !== null) {
    if (typeof app !== 'object') throw invalid('application_properties', 'the application properties are not a map');
    for (const [name, value] of Object.entries(app as Record<string, unknown>)) {
      const text = scalarText(value);
      if (text === undefined) throw invalid(`application_properties.${name}`, `property '${name}' is ${describe(value)}; properties must be strings, numbers or booleans`);
      if (name === 'iothub-ack') {
        if (!ACKS.includes(text)) throw invalid('iothub-ack', `'iothub-ack' must be one of ${ACKS.join(', ')}; it is '${text.slice(0, 40)}'`);
        ack = text as C2dAck;
      } else properties[name] = text;
    }
  }
  const fields: Record<string, string | undefined> = {
    messageId: idText(m.message_id, 'message_id'),
    correlationId: idText(m.correlation_id, 'correlation_id'),
    userId: m.user_id === undefined || m.user_id === null ? undefined : Buffer.isBuffer(m.user_id) ? m.user_id.toString('utf8') : optionalString(m.user_id, 'user_id'),
    contentType: optionalString(m.content_type, 'content_type'),
    contentEncoding: optionalString(m.content_encoding, 'content_encoding'),
  };
  const expiry = m.absolute_expiry_time;
  let expiresAtMs: number | undefined;
  if (expiry !== undefined && expiry !== null) {
    expiresAtMs = expiry instanceof Date ? expiry.getTime() : typeof expiry === 'number' ? expiry : Number.NaN;
    if (!Number.isFinite(expiresAtMs)) throw invalid('absolute_expiry_time', `'absolute_expiry_time' is ${describe(expiry)}, not a timestamp`);
  }
  return {
    deviceId,
    ack,
    input: {
      body: bodyBytes(m.body),
      properties,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')),
      ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
      ...(ack === 'none' ? {} : { ack }),
    },
  };
}

/** The payload: one data section (what the SDK sends), raw bytes, or an AMQP string value (UTF-8). */
function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  if (typeof body === 'object' && 'content' in body) {
    const content = (body as { content: unknown }).content;
    if (content instanceof Uint8Array) return new Uint8Array(content);
    if (typeof content === 'string') return new Uint8Array(Buffer.from(content, 'utf8'));
  }
  throw invalid('body', `the body is ${describe(body)}; send the payload as one data section (bytes)`);
}

function decodeId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw invalid('to', `the device id in 'to' is not valid URL encoding: '${encoded.slice(0, 60)}'`);
  }
}

/** A message or correlation id: a string, a UUID (16 bytes, as the SDK encodes UUID-shaped ids) or an unsigned number. */
function idText(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v) && v.length === 16) {
    const hex = v.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw invalid(field, `'${field}' is ${describe(v)}; use a string or a UUID`);
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  throw invalid(field, `'${field}' is ${describe(v)}, not a string`);
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return 'missing';
  if (typeof v === 'string') return `'${v.slice(0, 80)}'`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  return typeof v === 'object' ? 'a structured value' : `a ${typeof v}`;
}

function invalid(path: string, message: string): VergeError {
  return new VergeError('CLD_AMQP_MESSAGE_INVALID', message, { details: { path } });
}
