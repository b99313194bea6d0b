// An incremental parser of `text/event-stream` (WHATWG HTML, "Server-sent events", §9.2.6 interpretation rules):
// lines end in CRLF, LF or CR; `:` starts a comment; fields `event`, `data` (joined with LF), `id` (ignored when it
// contains NUL), `retry` (digits only); a blank line dispatches the event, and an event with no data is dropped.

/** One dispatched server-sent event. */
export interface SseEvent {
  /** `message` unless the server named another type. */
  readonly event: string;
  readonly data: string;
  /** The last event id seen so far (it persists across events, as the spec's "last event ID buffer"). */
  readonly id: string | undefined;
}

/** Feeds decoded text in, gets whole events out; `retryMs` holds the last valid `retry:` value. */
export interface SseParser {
  push(text: string): SseEvent[];
  readonly retryMs: number | undefined;
  readonly lastEventId: string | undefined;
}

interface PendingEvent {
  event: string;
  data: string[];
}

/** Creates a parser; state lives in the returned object only. */
export function createSseParser(): SseParser {
  let buffer = '';
  let pending: PendingEvent = { event: '', data: [] };
  let lastEventId: string | undefined;
  let retryMs: number | undefined;

  const takeLine = (out: SseEvent[], line: string): void => {
    if (line === '') {
      if (pending.data.length > 0) out.push({ event: pending.event === '' ? 'message' : pending.event, data: pending.data.join('\n'), id: lastEventId });
      pending = { event: '', data: [] };
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') pending.event = value;
    else if (field === 'data') pending.data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
  };

  return {
    push(text) {
      buffer += text;
      const out: SseEvent[] = [];
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        if (end < 0) break;
        // A CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (buffer[end] === '\r' && end === buffer.length - 1) break;
        const width = buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1;
        takeLine(out, buffer.slice(0, end));
        buffer = buffer.slice(end + width);
      }
      return out;
    },
    get retryMs() {
      return retryMs;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
