import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../events/event-bus.js';
import type { TelemetryFilter } from '../store/ports.js';
import type { TelemetryRecord } from '../store/records.js';
import { telemetryToDto, type TelemetryService } from '../services/telemetry-service.js';
import type { EventStreamSettings } from './api-deps.js';
import { openSseResponse, type EventStreamRegistry } from './sse-response.js';

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
  let lastSent = lastEventId ?? 0;
  let replaying = lastEventId !== undefined;
  const queued: TelemetryRecord[] = [];
  const send = (r: TelemetryRecord): void => {
    if (r.sequenceNumber <= lastSent || !matches(filter, r)) return;
    lastSent = r.sequenceNumber;
    sse.write(frame(r));
  };
  const unsubscribe = ctx.bus.subscribe('telemetry', ({ record }) => (replaying ? queued.push(record) : send(record)));
  const sse = openSseResponse(request, reply, { settings: ctx.settings, registry: ctx.registry, onEnd: unsubscribe });
  if (lastEventId !== undefined) {
    ctx.telemetry.after(filter, lastEventId, ctx.settings.maxReplay).then(
      (rows) => {
        rows.forEach(send);
        replaying = false;
        queued.splice(0).forEach(send);
      },
      (err: unknown) => {
        request.log.error({ err }, 'event stream replay failed; ending the stream');
        sse.end();
      },
    );
  }
}
