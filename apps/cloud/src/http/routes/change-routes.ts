import { z } from 'zod';
import type { ApiRoute } from '../api-route.js';
import { serveChangeStream, type ChangeStreamContext } from '../change-stream.js';

/** The change stream: what the dashboard reloads on instead of polling. */
export function changeRoutes(stream: ChangeStreamContext): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/events/changes',
      operationId: 'streamChanges',
      summary: 'Registry, twin, connection, deployment, rollout and job changes as Server-Sent Events',
      description:
        'Each change is an event `change` whose `data` is JSON `{ kind, deviceId?, moduleId?, configurationId?, jobId?, sections?, connected?, change?, all? }` (`kind`: twin, connection, identity, configuration, rollout or job): what changed, never the new state (no properties, no keys); read it through the REST API. Changes of every cloud instance sharing a bus are included. Bursts are coalesced: at most one event per key every 250 ms, and a kind with more than 50 changed keys in one window is sent as one `{ "kind": …, "all": true }`. No ids and no replay: after a reconnect, read again. A comment line is sent every 15 s.',
      tag: 'events',
      auth: 'RegistryRead',
      responses: { 200: { description: 'An endless `text/event-stream`.', contentType: 'text/event-stream', schema: z.string() } },
      handler: (req, reply) => {
        serveChangeStream(req, reply, stream);
        return reply;
      },
    },
  ];
}
