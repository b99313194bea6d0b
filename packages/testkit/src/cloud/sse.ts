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

/** Parses `text/event-stream` blocks (`event:` and `data:` lines, blank-line separated). */
async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  }
}
