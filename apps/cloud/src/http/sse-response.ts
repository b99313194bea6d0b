import type { FastifyReply, FastifyRequest } from 'fastify';

/** Open event streams, so the server can end them when it closes (an open SSE response would hold `close()`). */
export interface EventStreamRegistry {
  add(end: () => void): () => void;
  endAll(): void;
}

/** Creates an empty registry. */
export function createEventStreamRegistry(): EventStreamRegistry {
  const open = new Set<() => void>();
  return {
    add: (end) => {
      open.add(end);
      return () => void open.delete(end);
    },
    endAll: () => [...open].forEach((end) => end()),
  };
}

/** What every Server-Sent Events response of the API shares. */
export interface SseSettings {
  /** Comment line sent this often so proxies keep the connection open. */
  readonly heartbeatMs: number;
  /** A client that lets this many bytes pile up unread is dropped. */
  readonly maxBufferedBytes: number;
}

/** An open event stream: `write` whole SSE blocks; `end` closes it (also called by the client leaving or the server closing). */
export interface SseResponse {
  write(text: string): void;
  end(): void;
}

/**
 * Takes the reply over as `text/event-stream`: sends `retry: 2000` and `: connected`, a `: keep-alive` comment every
 * `heartbeatMs`, drops a client that lets more than `maxBufferedBytes` pile up, and ends with the server (the
 * registry). `onEnd` runs once, however the stream ends (unsubscribe there).
 */
export function openSseResponse(request: FastifyRequest, reply: FastifyReply, o: { settings: SseSettings; registry: EventStreamRegistry; onEnd: () => void }): SseResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // The socket belongs to this stream: when the stream ends the socket goes too, so shutdown never waits on a
    // keep-alive socket the client holds open.
    connection: 'close',
    'x-accel-buffering': 'no',
  });
  let ended = false;
  const stop = (): void => {
    ended = true;
    clearInterval(heartbeat);
    unregister();
    o.onEnd();
  };
  const end = (): void => {
    if (ended) return;
    stop();
    raw.end(() => raw.socket?.destroy());
  };
  const write = (text: string): void => {
    if (ended) return;
    raw.write(text);
    if (raw.writableLength > o.settings.maxBufferedBytes) {
      request.log.warn({ bufferedBytes: raw.writableLength }, 'event stream client too slow; dropping it');
      stop();
      raw.destroy();
    }
  };
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), o.settings.heartbeatMs);
  heartbeat.unref();
  const unregister = o.registry.add(end);
  raw.on('close', end);
  write('retry: 2000\n: connected\n\n');
  return { write, end };
}
