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
  onState?(state: 'connecting' | 'live' | 'retrying', detail?: string): void;
}

/**
 * Follows `GET /events` (Server-Sent Events) with `fetch` streaming, since EventSource cannot send the
 * Authorization header. Reconnects after a drop with `Last-Event-ID` (no message lost while retained), backing
 * off up to 10 s; a 401 ends it (the session expired). Stops when `signal` aborts.
 */
export function followTelemetry(token: string, filter: { deviceId?: string }, handlers: TelemetryStreamHandlers, signal: AbortSignal): void {
  let lastId: number | undefined;
  let delayMs = 500;
  const url = `/events${filter.deviceId === undefined ? '' : `?deviceId=${encodeURIComponent(filter.deviceId)}`}`;
  const run = async (): Promise<void> => {
    while (!signal.aborted) {
      handlers.onState?.('connecting');
      try {
        const res = await fetch(url, { headers: { authorization: token, accept: 'text/event-stream', ...(lastId === undefined ? {} : { 'last-event-id': String(lastId) }) }, signal });
        if (res.status === 401) {
          handlers.onState?.('retrying', 'not authorized');
          return;
        }
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
        handlers.onState?.('live');
        delayMs = 500;
        await readEvents(res.body, (event) => {
          if (event.event !== 'telemetry') return;
          const m = JSON.parse(event.data) as TelemetryMessage;
          lastId = m.sequenceNumber;
          handlers.onMessage(m);
        });
      } catch (e) {
        if (signal.aborted) return;
        handlers.onState?.('retrying', e instanceof Error ? e.message : String(e));
      }
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  };
  void run();
}

/** Splits an SSE byte stream into events (`event:`, `data:` lines; comments ignored). */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: { event: string; data: string }) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent({ event, data: data.join('\n') });
    }
  }
}

/** Decodes a message body (base64) as text, for display. */
export function bodyText(m: TelemetryMessage): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(m.body), (c) => c.charCodeAt(0)));
  } catch {
    return m.body;
  }
}
