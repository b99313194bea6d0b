import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelayMs, ENGINE_EVENTS_BACKOFF } from '@verge/core';
import { AsyncQueue } from '../async-queue.js';
import type { RuntimeEvent, RuntimeEventAction } from '../module-runtime.js';
import { VERGE_LABELS } from '../labels.js';

const ACTIONS: Readonly<Record<string, RuntimeEventAction>> = {
  create: 'created',
  start: 'started',
  die: 'exited',
  stop: 'stopped',
  destroy: 'removed',
  pause: 'paused',
  unpause: 'unpaused',
  oom: 'oom',
};
const MAX_HELD_EVENTS = 1_000;

/** One line of `GET /events` (the fields read here). */
interface EngineEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly timeNano?: number;
  readonly time?: number;
  readonly Actor?: { readonly Attributes?: Record<string, string> };
}

/** The RuntimeEvent of an engine event line, or undefined when it is not a container event of a module. */
export function runtimeEventOf(line: string): RuntimeEvent | undefined {
  let event: EngineEvent;
  try {
    event = JSON.parse(line) as EngineEvent;
  } catch {
    return undefined;
  }
  const action = ACTIONS[event.Action ?? ''];
  const moduleId = event.Actor?.Attributes?.[VERGE_LABELS.moduleId];
  if (event.Type !== 'container' || action === undefined || moduleId === undefined) return undefined;
  const atMs = event.timeNano !== undefined ? Math.floor(event.timeNano / 1e6) : (event.time ?? 0) * 1000;
  const exit = event.Actor?.Attributes?.['exitCode'];
  const exitCode = action === 'exited' && exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : undefined;
  return { kind: 'module', moduleId, action, atMs, ...(exitCode === undefined ? {} : { exitCode }) };
}

/**
 * Container events of the modules owned by `ownerId` (`GET /events` filtered by type and owner label), until
 * `signal` aborts. When the stream breaks (engine restarted), it is reopened with backoff from the time of the
 * last event seen, and a `resync` event is emitted so the consumer re-observes. A consumer that falls behind by
 * more than 1,000 events gets one `resync` instead of the backlog.
 */
export function dockerEvents(docker: Dockerode, ownerId: string, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const queue = new AsyncQueue<RuntimeEvent>(
    { maxItems: MAX_HELD_EVENTS, overflow: (_held, incoming) => [{ kind: 'resync', atMs: incoming.atMs, reason: 'event backlog overflowed' }] },
    stop,
  );
  void pump(docker, ownerId, controller.signal, queue).finally(() => {
    signal.removeEventListener('abort', stop);
    queue.end();
  });
  return queue;
}

async function pump(docker: Dockerode, ownerId: string, signal: AbortSignal, queue: AsyncQueue<RuntimeEvent>): Promise<void> {
  let sinceSec: number | undefined;
  let failures = 0;
  let connected = false;
  while (!signal.aborted) {
    try {
      const filters = { type: ['container'], label: [`${VERGE_LABELS.owner}=${ownerId}`] };
      const stream = await docker.getEvents({ filters, ...(sinceSec === undefined ? {} : { since: sinceSec }), abortSignal: signal } as Dockerode.GetEventsOptions);
      if (connected) queue.push({ kind: 'resync', atMs: Date.now(), reason: 'the Docker event stream reconnected' });
      connected = true;
      failures = 0;
      let rest = '';
      for await (const chunk of stream) {
        rest += (chunk as Buffer).toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const event = runtimeEventOf(line);
          if (event === undefined) continue;
          sinceSec = Math.floor(event.atMs / 1000);
          queue.push(event);
        }
      }
    } catch {
      // The engine is down or restarting: retry below; observation reports the outage itself.
    }
    if (signal.aborted) return;
    connected = true;
    failures += 1;
    await sleep(backoffDelayMs(failures, ENGINE_EVENTS_BACKOFF), undefined, { signal }).catch(() => undefined);
  }
}
