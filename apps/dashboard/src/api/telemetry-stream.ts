import { followSse } from './sse.js';

/** One device-to-cloud message as `GET /events` sends it (body base64). */
export interface TelemetryMessage {
  readonly sequenceNumber: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly enqueuedTime: string;
  readonly properties: Record<string, string>;
  readonly body: string;
}

export interface TelemetryStreamHandlers {
  onMessage(m: TelemetryMessage): void;
  onState?(state: 'connecting' | 'live' | 'retrying' | 'stopped', detail?: string): void;
}

/**
 * Follows `GET /events` (`followSse`), resuming after a drop with `Last-Event-ID` (no message lost while
 * retained).
 */
export function followTelemetry(token: string, filter: { deviceId?: string }, handlers: TelemetryStreamHandlers, signal: AbortSignal): void {
  let lastId: number | undefined;
  const url = `/events${filter.deviceId === undefined ? '' : `?deviceId=${encodeURIComponent(filter.deviceId)}`}`;
  followSse(
    url,
    token,
    {
      headers: (): Record<string, string> => (lastId === undefined ? {} : { 'last-event-id': String(lastId) }),
      onEvent: (event) => {
        if (event.event !== 'telemetry') return;
        const m = JSON.parse(event.data) as TelemetryMessage;
        lastId = m.sequenceNumber;
        handlers.onMessage(m);
      },
      ...(handlers.onState === undefined ? {} : { onState: handlers.onState }),
    },
    signal,
  );
}

/** Decodes a message body (base64) as text, for display. */
export function bodyText(m: TelemetryMessage): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(m.body), (c) => c.charCodeAt(0)));
  } catch {
    return m.body;
  }
}
