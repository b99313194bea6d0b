import { backoffDelayMs, EVENT_STREAM_BACKOFF } from '@verge/core';
import { ApiError } from './api-error.js';
import { createSseParser, type SseEvent } from './sse-parser.js';
import type { RequestSpec, Transport } from './transport.js';

/** How an event stream reconnects after the connection drops (not after an HTTP error status). */
export interface ReconnectPolicy {
  /** First delay; a server `retry:` field replaces it. Default 1000 ms. */
  readonly initialDelayMs?: number;
  /** Cap of the doubling delay. Default 30 000 ms. */
  readonly maxDelayMs?: number;
  /** Consecutive failed attempts before giving up (the last error is thrown). Default: never give up. */
  readonly maxAttempts?: number;
}

/** Options of `openEventStream`. */
export interface EventStreamOptions {
  readonly signal?: AbortSignal;
  /** `false` ends the stream at the first drop; the default reconnects per the policy. */
  readonly reconnect?: false | ReconnectPolicy;
  /** Resume after this event id (sent as `Last-Event-ID`). */
  readonly lastEventId?: string;
  /**
   * Told each time the server accepts the stream (its response arrived, so events published from then on are
   * delivered): on the first connection and after each reconnect; for a "listening" notice.
   */
  readonly onOpen?: () => void;
  /** Told about each drop before the wait; for a "reconnecting…" notice. */
  readonly onDisconnect?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Reads a Server-Sent Events endpoint over fetch's ReadableStream and yields its events. After a drop it reconnects
 * with `Last-Event-ID` so the server can resume after the last event seen. An HTTP error status (401, 404…) is not
 * retried: it is thrown as ApiError. Returns when `signal` aborts.
 */
export async function* openEventStream(transport: Transport, spec: RequestSpec, options: EventStreamOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const policy = options.reconnect === false ? undefined : options.reconnect ?? {};
  let lastEventId = options.lastEventId;
  let serverRetryMs: number | undefined;
  let attempt = 0;
  for (;;) {
    let failure: unknown = new ApiError(0, 'CLIENT_NETWORK_FAILED', `${spec.path}: the event stream ended`);
    try {
      const headers = { ...spec.headers, Accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }) };
      const response = await transport.open({ ...spec, headers, signal: options.signal });
      attempt = 0;
      options.onOpen?.();
      const parser = createSseParser();
      for await (const event of readEvents(response, parser)) {
        lastEventId = event.id ?? lastEventId;
        yield event;
      }
      serverRetryMs = parser.retryMs ?? serverRetryMs;
    } catch (e) {
      if (options.signal?.aborted === true) return;
      if (e instanceof ApiError && e.status !== 0) throw e;
      failure = e;
    }
    if (options.signal?.aborted === true) return;
    attempt += 1;
    if (policy === undefined || (policy.maxAttempts !== undefined && attempt > policy.maxAttempts)) throw failure;
    const delayMs = reconnectDelayMs(policy, attempt, serverRetryMs);
    options.onDisconnect?.(failure, attempt, delayMs);
    if (!(await sleep(delayMs, options.signal))) return;
  }
}

/**
 * Delay before reconnect attempt `attempt` (1-based): the shared backoff of `@verge/core` from the server's `retry:`
 * or the initial delay, doubled per attempt up to the cap, without jitter.
 */
export function reconnectDelayMs(policy: ReconnectPolicy, attempt: number, serverRetryMs?: number): number {
  const baseMs = serverRetryMs ?? policy.initialDelayMs ?? EVENT_STREAM_BACKOFF.baseMs;
  return backoffDelayMs(attempt, { baseMs, maxMs: policy.maxDelayMs ?? EVENT_STREAM_BACKOFF.maxMs, jitter: EVENT_STREAM_BACKOFF.jitter });
}

async function* readEvents(response: Response, parser: ReturnType<typeof createSseParser>): AsyncGenerator<SseEvent, void, undefined> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    // Closes the connection when the consumer stops early (break/return) or on abort.
    await reader.cancel().catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
