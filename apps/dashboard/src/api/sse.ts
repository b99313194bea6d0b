import { createSseParser, type SseParser } from '@verge/api-client/sse-parser';
import { backoffDelayMs, LIVE_VIEW_BACKOFF } from '@verge/core/backoff';

/** What `followSse` reports: the stream's state, each event, and each successful (re)connect. */
export interface SseHandlers {
  onEvent(e: { event: string; data: string }): void;
  /** Called once the response is open, before its first event (the first connect and every reconnect). */
  onOpen?(): void;
  onState?(state: 'connecting' | 'live' | 'retrying' | 'stopped', detail?: string): void;
  /** Extra request headers, read at every (re)connect (e.g. `Last-Event-ID`). */
  headers?(): Record<string, string>;
}

/**
 * Follows a Server-Sent Events URL with `fetch` streaming (EventSource cannot send the Authorization header).
 * Reconnects after a drop with the shared backoff (`LIVE_VIEW_BACKOFF`, 500 ms doubling up to 10 s, or from the
 * server's `retry:`); a 401 ends it (`stopped`: the session expired). Stops when `signal` aborts.
 */
export function followSse(url: string, token: string, handlers: SseHandlers, signal: AbortSignal): void {
  let failures = 0;
  let serverRetryMs: number | undefined;
  const run = async (): Promise<void> => {
    while (!signal.aborted) {
      handlers.onState?.('connecting');
      const parser = createSseParser();
      try {
        const res = await fetch(url, { headers: { authorization: token, accept: 'text/event-stream', ...handlers.headers?.() }, signal });
        if (res.status === 401) {
          handlers.onState?.('stopped', 'not authorized');
          return;
        }
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
        handlers.onState?.('live');
        handlers.onOpen?.();
        failures = 0;
        await readEvents(res.body, handlers.onEvent, parser);
        if (!signal.aborted) handlers.onState?.('retrying', 'the stream ended');
      } catch (e) {
        if (signal.aborted) return;
        handlers.onState?.('retrying', e instanceof Error ? e.message : String(e));
      }
      serverRetryMs = parser.retryMs ?? serverRetryMs;
      failures += 1;
      const policy = serverRetryMs === undefined ? LIVE_VIEW_BACKOFF : { ...LIVE_VIEW_BACKOFF, baseMs: serverRetryMs };
      await new Promise((r) => setTimeout(r, backoffDelayMs(failures, policy, Math.random())));
    }
  };
  void run();
}

/** Feeds an SSE byte stream through the shared parser (`@verge/api-client`'s, per the WHATWG rules) to `onEvent`. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: { event: string; data: string }) => void,
  parser: SseParser = createSseParser(),
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const emit = (text: string): void => {
    for (const { event, data } of parser.push(text)) onEvent({ event, data });
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    emit(decoder.decode(value, { stream: true }));
  }
  emit(decoder.decode());
}
