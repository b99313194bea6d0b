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
 * Reconnects after a drop, backing off from 500 ms up to 10 s; a 401 ends it (`stopped`: the session expired).
 * Stops when `signal` aborts.
 */
export function followSse(url: string, token: string, handlers: SseHandlers, signal: AbortSignal): void {
  let delayMs = 500;
  const run = async (): Promise<void> => {
    while (!signal.aborted) {
      handlers.onState?.('connecting');
      try {
        const res = await fetch(url, { headers: { authorization: token, accept: 'text/event-stream', ...handlers.headers?.() }, signal });
        if (res.status === 401) {
          handlers.onState?.('stopped', 'not authorized');
          return;
        }
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
        handlers.onState?.('live');
        handlers.onOpen?.();
        delayMs = 500;
        await readEvents(res.body, handlers.onEvent);
        if (!signal.aborted) handlers.onState?.('retrying', 'the stream ended');
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
