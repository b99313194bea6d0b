import { ApiError } from './api-error.js';
import { decodeBase64 } from '@verge/core';
import { TelemetryMessageSchema, type TelemetryMessageDto } from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import { openEventStream, type EventStreamOptions } from './event-stream.js';
import type { Transport } from './transport.js';
import type { TelemetryFilter, TelemetryMessage } from './types.js';

/** Options of `recentMessages`. */
export interface RecentMessagesOptions extends TelemetryFilter {
  /** At most this many messages, newest last. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** `GET /messages`: a page of the most recent retained device-to-cloud messages. */
export async function recentMessages(transport: Transport, options: RecentMessagesOptions = {}): Promise<TelemetryMessage[]> {
  const query = { deviceId: options.deviceId, moduleId: options.moduleId, limit: options.limit };
  const res = await transport.request({ method: 'GET', path: '/messages', query, signal: options.signal });
  return expectArrayOf(TelemetryMessageSchema, res.body, 'recent messages').map(toTelemetryMessage);
}

/**
 * `GET /events` (Server-Sent Events): yields each device-to-cloud message as it arrives, filtered by device and
 * module, reconnecting after drops and resuming after the last sequence number seen (`Last-Event-ID`). Events
 * that are not telemetry (keep-alives, other event types) are skipped.
 */
export async function* streamTelemetry(
  transport: Transport,
  filter: TelemetryFilter = {},
  options: EventStreamOptions = {},
): AsyncGenerator<TelemetryMessage, void, undefined> {
  const spec = { method: 'GET' as const, path: '/events', query: { deviceId: filter.deviceId, moduleId: filter.moduleId } };
  for await (const event of openEventStream(transport, spec, options)) {
    if (event.event !== 'message' && event.event !== 'telemetry') continue;
    yield toTelemetryMessage(expectBody(TelemetryMessageSchema, parseEventData(event.data), 'event stream'));
  }
}

function parseEventData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `event stream: an event's data is not JSON: ${data.slice(0, 120)}`);
  }
}

/** Decodes the wire form (base64 body) into a TelemetryMessage. */
export function toTelemetryMessage(dto: TelemetryMessageDto): TelemetryMessage {
  const body = decodeBase64(dto.body);
  if (body === undefined) throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `message ${dto.sequenceNumber}: "body" is not base64`);
  return {
    sequenceNumber: dto.sequenceNumber,
    deviceId: dto.deviceId,
    ...(dto.moduleId === undefined ? {} : { moduleId: dto.moduleId }),
    enqueuedTime: dto.enqueuedTime,
    systemProperties: dto.systemProperties,
    properties: dto.properties,
    body,
  };
}
