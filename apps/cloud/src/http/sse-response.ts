import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '@verge/contracts';

/**
 * Open event streams, so the server can end them when it closes (an open SSE response would hold `close()`), and
 * each one when the credential it was opened with stops being accepted: a stream never outlives its token, as
 * every new request would be refused with it.
 */
export interface EventStreamRegistry {
  /** Registers the stream of `request`; returns its unregistration. */
  add(request: FastifyRequest, end: () => void): () => void;
  endAll(): void;
}

/** When the credential of a request stops being accepted, and the clock the authentication reads. */
export interface StreamCredentials {
  acceptedUntilMs(request: FastifyRequest): number | undefined;
  readonly clock: Pick<Clock, 'nowMs' | 'setTimer'>;
}

/** Creates an empty registry. */
export function createEventStreamRegistry(credentials: StreamCredentials): EventStreamRegistry {
  const { clock } = credentials;
  const open = new Set<() => void>();
  return {
    add: (request, end) => {
      open.add(end);
      const deadline = credentials.acceptedUntilMs(request);
      let cancel = (): void => undefined;
      // A timer may fire early (the system clock caps long delays): the deadline is checked again each time.
      const check = (): void => {
        if (deadline === undefined) return;
        const left = deadline - clock.nowMs();
        if (left > 0) {
          cancel = clock.setTimer(check, left);
          return;
        }
        request.log.info({ acceptedUntil: new Date(deadline).toISOString() }, 'event stream ended: its token is no longer accepted');
        end();
      };
      // Never synchronously: the stream is still being set up.
      cancel = clock.setTimer(check, 0);
      return () => {
        cancel();
        open.delete(end);
      };
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
 * `heartbeatMs`, drops a client that lets more than `maxBufferedBytes` pile up, and ends with the server or when the
 * request's token stops being accepted (the registry). `onEnd` runs once, however the stream ends (unsubscribe there).
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
  const unregister = o.registry.add(request, end);
  raw.on('close', end);
  write('retry: 2000\n: connected\n\n');
  return { write, end };
}
