import { z } from 'zod';
import { TelemetryMessageSchema, VergeError } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { telemetryToDto } from '../../services/telemetry-service.js';
import type { TelemetryFilter } from '../../store/ports.js';
import { header, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';
import { serveEventStream, type EventStreamContext } from '../event-stream.js';

const filterShape = {
  deviceId: z.string().min(1).optional().meta({ description: "Only this device's messages (its modules' included)." }),
  moduleId: z.string().min(1).optional().meta({ description: "Only this module's messages." }),
};

const MessagesQuerySchema = z.looseObject({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'At most this many messages (default 100).' }),
  before: z.coerce.number().int().min(1).optional().meta({ description: 'Only messages with a smaller sequence number (to page back).' }),
});

const EventsQuerySchema = z.looseObject(filterShape);

function filterOf(q: { deviceId?: string | undefined; moduleId?: string | undefined }): TelemetryFilter {
  return { ...(q.deviceId === undefined ? {} : { deviceId: q.deviceId }), ...(q.moduleId === undefined ? {} : { moduleId: q.moduleId }) };
}

function lastEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new VergeError('VALIDATION_FAILED', `Last-Event-ID: '${raw.slice(0, 20)}' is not a sequence number`, {
      details: { issues: [{ path: 'Last-Event-ID', message: 'must be a non-negative integer' }] },
    });
  }
  return n;
}

/** Telemetry out: recent messages and the live stream. */
export function telemetryRoutes(deps: ApiDeps, stream: EventStreamContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/messages',
      operationId: 'listRecentMessages',
      summary: 'Recent device-to-cloud messages still in retention',
      tag: 'messages',
      auth: 'ServiceConnect',
      query: MessagesQuerySchema,
      responses: { 200: { description: 'The newest matching messages, oldest first.', schema: z.array(TelemetryMessageSchema) } },
      handler: async (req) => {
        const q = parseOrThrow(MessagesQuerySchema, req.query, 'query string');
        return (await deps.telemetry.recent(filterOf(q), q.limit ?? 100, q.before)).map(telemetryToDto);
      },
    },
    {
      method: 'GET',
      url: '/events',
      operationId: 'streamMessages',
      summary: 'Live device-to-cloud messages as Server-Sent Events',
      description:
        'Each message is an event `telemetry` whose `id` is its sequence number and whose `data` is the message JSON (as in `GET /messages`). Reconnect with `Last-Event-ID` to replay retained messages after that id, then continue live. A comment line is sent every 15 s.',
      tag: 'messages',
      auth: 'ServiceConnect',
      query: EventsQuerySchema,
      headers: [{ name: 'Last-Event-ID', description: 'Resume after this sequence number.' }],
      responses: { 200: { description: 'An endless `text/event-stream`.', contentType: 'text/event-stream', schema: z.string() } },
      handler: (req, reply) => {
        const q = parseOrThrow(EventsQuerySchema, req.query, 'query string');
        serveEventStream(req, reply, filterOf(q), lastEventId(header(req, 'last-event-id')), stream);
        return reply;
      },
    },
  ];
}
