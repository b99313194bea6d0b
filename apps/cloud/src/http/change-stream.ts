import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeEventDto } from '@verge/contracts';
import type { ChangeFeed } from './change-feed.js';
import { openSseResponse, type EventStreamRegistry, type SseSettings } from './sse-response.js';

/** What `serveChangeStream` needs. */
export interface ChangeStreamContext {
  readonly feed: ChangeFeed;
  readonly settings: SseSettings;
  readonly registry: EventStreamRegistry;
}

function frame(e: ChangeEventDto): string {
  return `event: change\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Serves the coalesced change feed as Server-Sent Events (`event: change`, `data:` a `ChangeEventDto`), one write
 * per window. No ids and no replay: a client that reconnects reads again what it shows.
 */
export function serveChangeStream(request: FastifyRequest, reply: FastifyReply, ctx: ChangeStreamContext): void {
  const unsubscribe = ctx.feed.subscribe((batch) => {
    if (batch.length > 0) sse.write(batch.map(frame).join(''));
  });
  const sse = openSseResponse(request, reply, { settings: ctx.settings, registry: ctx.registry, onEnd: unsubscribe });
}
