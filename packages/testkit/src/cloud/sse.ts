import { createSseParser } from '@verge/api-client';

/** Events of one type collected from a Server-Sent Events stream until `stop()` (or until the server ends it). */
export interface SseCollector<T> {
  readonly messages: T[];
  stop(): void;
}

/** Opens `url` as an event stream (`authorization` header) and collects the JSON data of events named `event`. */
export async function openSse<T>(url: string, authorization: string, event: string): Promise<SseCollector<T>> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization, accept: 'text/event-stream' }, signal: abort.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`GET ${url} → ${res.status}`);
  const messages: T[] = [];
  void readSse(res.body, (name, data) => {
    if (name === event) messages.push(JSON.parse(data) as T);
  }).catch(() => undefined);
  return { messages, stop: () => abort.abort() };
}

/** Feeds an event stream through the shared parser (`@verge/api-client`'s, per the WHATWG rules). */
async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: string) => void): Promise<void> {
  const parser = createSseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) for (const e of parser.push(decoder.decode(chunk, { stream: true }))) onEvent(e.event, e.data);
}
