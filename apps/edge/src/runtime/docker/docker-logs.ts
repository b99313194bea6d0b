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
  if (follow) {
    yield* followLines(source, query, options, decoder, keep);
    return;
  }
  const lines = streamLines(source, { ...query, follow: false }, undefined, decoder, keep);
  yield* tail !== undefined && sinceMs !== undefined ? await lastLines(lines, tail) : lines;
}

/** The last `count` lines of `lines`, holding at most 2 × `count` at a time. */
async function lastLines(lines: AsyncIterable<LogLine>, count: number): Promise<LogLine[]> {
  const kept: LogLine[] = [];
  for await (const line of lines) {
    kept.push(line);
    if (kept.length > 2 * count) kept.splice(0, kept.length - count);
  }
  return kept.slice(Math.max(0, kept.length - count));
}

async function* followLines(
  source: ContainerLogSource,
  query: Dockerode.ContainerLogsOptions,
  options: LogOptions,
  decoder: DockerLogDecoder,
  keep: (line: LogLine) => boolean,
): AsyncGenerator<LogLine> {
  if (options.tail === undefined || options.sinceMs === undefined) {
    yield* streamLines(source, { ...query, follow: true }, options.signal, decoder, keep);
    return;
  }
  // since + tail: the history is cut to `tail` here, then following resumes at the last line's second; lines up
  // to the last one already yielded (same or earlier time, counted at the same time) are skipped.
  const history = await collect(containerLogLines(source, { tail: options.tail, sinceMs: options.sinceMs }));
  yield* history;
  const lastMs = history.at(-1)?.atMs ?? options.sinceMs;
  let skip = history.filter((line) => line.atMs === lastMs).length;
  const { tail: _tail, ...rest } = query;
  for await (const line of streamLines(source, { ...rest, follow: true, since: Math.floor(lastMs / 1000) }, options.signal, decoder, keep)) {
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
    const stream = await openLogs(source.container, { ...query, abortSignal: controller.signal });
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

/** The engine's log calls, as dockerode's modem makes them. */
interface LogModem {
  dial(options: Record<string, unknown>, callback: (error: unknown, data: unknown) => void): void;
}

/**
 * `GET /containers/{id}/logs` read as a stream, following or not. dockerode answers a non-following call with
 * one Buffer of the whole answer, which is every line the module ever wrote when no `tail` is given (a module that
 * logged 300 MB made the runtime hold 300 MB, twice over, to answer 5 lines); here the same request is dialled
 * as a stream, with dockerode's own path and status codes.
 */
async function openLogs(container: Dockerode.Container, query: Dockerode.ContainerLogsOptions): Promise<NodeJS.ReadableStream> {
  if (query.follow === true) return container.logs({ ...query, follow: true });
  const modem = container.modem as LogModem;
  const { abortSignal, ...params } = query;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `/containers/${container.id}/logs?`,
        method: 'GET',
        ...(abortSignal === undefined ? {} : { abortSignal }),
        isStream: true,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options: { ...params, follow: false },
      },
      (error, data) => (error === null || error === undefined ? resolve(data as NodeJS.ReadableStream) : reject(error as Error)),
    );
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
