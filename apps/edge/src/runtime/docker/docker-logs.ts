import type Dockerode from 'dockerode';
import type { LogLine, LogOptions } from '../module-runtime.js';
import { DockerLogDecoder } from './log-decoder.js';

/** How to read one container's logs. */
export interface ContainerLogSource {
  readonly container: Dockerode.Container;
  /** False for containers created with `Tty: true`: their log is one raw stream. */
  readonly multiplexed: boolean;
}

/**
 * Lines of `GET /containers/{id}/logs?timestamps=1`, oldest first. `tail` alone is applied by the engine; with
 * `sinceMs` too, the engine filters by time (whole seconds) and the last `tail` lines are kept here, so both
 * runtimes mean "the last `tail` lines written at or after `sinceMs`". `sinceMs` is re-checked per line because
 * the engine's `since` has second granularity.
 */
export async function* containerLogLines(source: ContainerLogSource, options: LogOptions): AsyncGenerator<LogLine> {
  const { tail, sinceMs, follow = false, signal } = options;
  if (signal?.aborted === true && follow) return;
  const query: Dockerode.ContainerLogsOptions = {
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(sinceMs === undefined ? {} : { since: Math.floor(sinceMs / 1000) }),
    ...(tail !== undefined && sinceMs === undefined ? { tail } : {}),
  };
  const decoder = new DockerLogDecoder(source.multiplexed);
  const keep = (line: LogLine): boolean => sinceMs === undefined || line.atMs >= sinceMs;
  if (!follow) {
    const buffer = await source.container.logs({ ...query, follow: false });
    const lines = [...decoder.push(Buffer.from(buffer)), ...decoder.end()].filter(keep);
    yield* tail !== undefined && sinceMs !== undefined ? lines.slice(Math.max(0, lines.length - tail)) : lines;
    return;
  }
  yield* followLines(source, query, options, decoder, keep);
}

async function* followLines(
  source: ContainerLogSource,
  query: Dockerode.ContainerLogsOptions,
  options: LogOptions,
  decoder: DockerLogDecoder,
  keep: (line: LogLine) => boolean,
): AsyncGenerator<LogLine> {
  if (options.tail === undefined || options.sinceMs === undefined) {
    yield* streamLines(source, query, options.signal, decoder, keep);
    return;
  }
  // since + tail: the history is cut to `tail` here, then following resumes at the last line's second; lines up
  // to the last one already yielded (same or earlier time, counted at the same time) are skipped.
  const history = await collect(containerLogLines(source, { tail: options.tail, sinceMs: options.sinceMs }));
  yield* history;
  const lastMs = history.at(-1)?.atMs ?? options.sinceMs;
  let skip = history.filter((line) => line.atMs === lastMs).length;
  const { tail: _tail, ...rest } = query;
  for await (const line of streamLines(source, { ...rest, since: Math.floor(lastMs / 1000) }, options.signal, decoder, keep)) {
    if (line.atMs < lastMs) continue;
    if (line.atMs === lastMs && skip > 0) {
      skip -= 1;
      continue;
    }
    yield line;
  }
}

async function* streamLines(
  source: ContainerLogSource,
  query: Dockerode.ContainerLogsOptions,
  signal: AbortSignal | undefined,
  decoder: DockerLogDecoder,
  keep: (line: LogLine) => boolean,
): AsyncGenerator<LogLine> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const stream = await source.container.logs({ ...query, follow: true, abortSignal: controller.signal });
    for await (const chunk of stream) {
      for (const line of decoder.push(Buffer.from(chunk as Buffer))) if (keep(line)) yield line;
    }
    for (const line of decoder.end()) if (keep(line)) yield line;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
    controller.abort();
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
