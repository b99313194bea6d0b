import type { ApiClient, TelemetryMessage } from '@verge/api-client';

/** Collects the cloud's live `/events` (Server-Sent Events) for one device until `stop()`. */
export interface EventCollector {
  readonly messages: readonly TelemetryMessage[];
  /** Parsed JSON bodies of one module's messages, in arrival order. */
  bodiesOf(moduleId: string | undefined): Record<string, unknown>[];
  stop(): void;
}

/** Subscribes to `/events?deviceId=` through the API client (reconnecting with Last-Event-ID across cloud restarts). */
export function collectEvents(api: ApiClient, deviceId: string): EventCollector {
  const abort = new AbortController();
  const messages: TelemetryMessage[] = [];
  void (async () => {
    try {
      for await (const m of api.events({ deviceId }, { signal: abort.signal, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } })) messages.push(m);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    messages,
    bodiesOf: (moduleId) =>
      messages.filter((m) => m.moduleId === moduleId).map((m) => JSON.parse(new TextDecoder().decode(m.body)) as Record<string, unknown>),
    stop: () => abort.abort(),
  };
}
