import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../events/event-bus.js';
import type { TelemetryFilter } from '../store/ports.js';
import type { TelemetryRecord } from '../store/records.js';
import { telemetryToDto, type TelemetryService } from '../services/telemetry-service.js';
import type { EventStreamSettings } from './api-deps.js';

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

function matches(filter: TelemetryFilter, r: TelemetryRecord): boolean {
  if (filter.deviceId !== undefined && r.deviceId !== filter.deviceId) return false;
  return filter.moduleId === undefined || r.moduleId === filter.moduleId;
}

function frame(r: TelemetryRecord): string {
  return `id: ${r.sequenceNumber}\nevent: telemetry\ndata: ${JSON.stringify(telemetryToDto(r))}\n\n`;
}

/** What `serveEventStream` needs. */
export interface EventStreamContext {
  readonly bus: EventBus;
  readonly telemetry: TelemetryService;
  readonly settings: EventStreamSettings;
  readonly registry: EventStreamRegistry;
}

/**
 * Serves device-to-cloud messages as Server-Sent Events (`event: telemetry`, `id:` the sequence number, `data:`
 * the message JSON). With `Last-Event-ID` it first replays retained messages after that id (at most
 * `maxReplay`), then continues live without gaps or duplicates: live events are buffered during the replay.
 */
export function serveEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  filter: TelemetryFilter,
  lastEventId: number | undefined,
  ctx: EventStreamContext,
): void {
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
  let lastSent = lastEventId ?? 0;
  let replaying = lastEventId !== undefined;
  const queued: TelemetryRecord[] = [];
  let ended = false;

  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearInterval(heartbeat);
    unregister();
    raw.end(() => raw.socket?.destroy());
  };
  const write = (text: string): void => {
    if (ended) return;
    raw.write(text);
    if (raw.writableLength > ctx.settings.maxBufferedBytes) {
      request.log.warn({ bufferedBytes: raw.writableLength }, 'event stream client too slow; dropping it');
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      unregister();
      raw.destroy();
    }
  };
  const send = (r: TelemetryRecord): void => {
    if (r.sequenceNumber <= lastSent || !matches(filter, r)) return;
    lastSent = r.sequenceNumber;
    write(frame(r));
  };

  const unsubscribe = ctx.bus.subscribe('telemetry', ({ record }) => (replaying ? queued.push(record) : send(record)));
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), ctx.settings.heartbeatMs);
  heartbeat.unref();
  const unregister = ctx.registry.add(end);
  raw.on('close', end);

  write(`retry: 2000\n: connected\n\n`);
  if (lastEventId !== undefined) {
    ctx.telemetry.after(filter, lastEventId, ctx.settings.maxReplay).then(
      (rows) => {
        rows.forEach(send);
        replaying = false;
        queued.splice(0).forEach(send);
      },
      (err: unknown) => {
        request.log.error({ err }, 'event stream replay failed; ending the stream');
        end();
      },
    );
  }
}
