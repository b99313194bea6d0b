import { gzipSync } from 'node:zlib';
import type { LogLine, ModuleRuntime } from '../runtime/module-runtime.js';
import { matchingIndexes } from './bounded-regex-filter.js';
import type { LogsItem, ModuleLogsRequest } from './module-logs-request.js';

/** One entry of the `GetModuleLogs` answer (EA `ModuleLogsResponse`): text in `payload`, gzip bytes (base64) in `payloadBytes`. */
export interface ModuleLogsResponse {
  readonly id: string;
  readonly payload?: string;
  readonly payloadBytes?: string;
}

/** EA keeps each module's logs under the 128 KB direct-method limit with 1 KB to spare (ModuleLogsRequestHandler). */
export const MAX_LOGS_PAYLOAD = 127_000;

/** Syslog severity of a line written `<N> …` (EA's recommended format); 6 (informational) otherwise. */
export function lineLevel(text: string): number {
  const match = /^<([0-7])>/.exec(text);
  return match === null ? 6 : Number(match[1]);
}

/** The module ids `items` select, each with the first item that matches it (LogsRequestToOptionsMapper). */
export function selectModules(items: readonly LogsItem[], moduleIds: readonly string[]): [string, LogsItem][] {
  const selected = new Map<string, LogsItem>();
  for (const item of items) for (const id of moduleIds) if (!selected.has(id) && item.matches(id)) selected.set(id, item);
  return [...selected];
}

/** Reads a module's kept lines with the item's tail and since (as Docker: since first, then tail), then until, level and regex. */
export async function readModuleLines(runtime: ModuleRuntime, moduleId: string, item: LogsItem): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of runtime.logs(moduleId, { ...(item.tail === undefined ? {} : { tail: item.tail }), ...(item.sinceMs === undefined ? {} : { sinceMs: item.sinceMs }) })) {
    if (item.untilMs !== undefined && line.atMs > item.untilMs) continue;
    if (item.loglevel !== undefined && lineLevel(line.text) > item.loglevel) continue;
    lines.push(line);
  }
  if (item.regex === undefined) return lines;
  return matchingIndexes(item.regex, lines.map((l) => l.text)).map((i) => lines[i] as LogLine);
}

/** Identity fields of the JSON form (EA `ModuleLogMessage`). */
export interface LogSource {
  readonly iotHub: string;
  readonly deviceId: string;
}

/** Formats lines as EA does: text (one line each) or JSON messages `{iothub, device, id, stream, loglevel, text, timestamp}`. */
export function formatLines(lines: readonly LogLine[], moduleId: string, contentType: ModuleLogsRequest['contentType'], source: LogSource): string {
  if (contentType === 'text') return lines.map((l) => `${l.text}\n`).join('');
  return JSON.stringify(
    lines.map((l) => ({
      iothub: source.iotHub,
      device: source.deviceId,
      id: moduleId,
      stream: l.stream,
      loglevel: lineLevel(l.text),
      text: l.text.replace(/^<[0-7]>\s?/, ''),
      timestamp: new Date(l.atMs).toISOString(),
    })),
  );
}

/** The answer entry of one module, with EA's message in place of a payload over the size limit. */
export function logsResponse(moduleId: string, text: string, request: ModuleLogsRequest, item: LogsItem): ModuleLogsResponse {
  const tooLarge = (size: number): string =>
    `The payload is too large for a direct method. GetModuleLogs supports up to ${MAX_LOGS_PAYLOAD} bytes of logs. The current request returned ${size} bytes.\n` +
    `Try reducing the size of the logs by setting the 'tail', 'since' and 'until' fields in the log options filter. Current options: ${JSON.stringify({ tail: item.tail, since: item.sinceMs, until: item.untilMs, loglevel: item.loglevel, regex: item.regex?.source })}`;
  if (request.encoding === 'gzip') {
    const bytes = gzipSync(Buffer.from(text, 'utf8'));
    return bytes.length > MAX_LOGS_PAYLOAD ? { id: moduleId, payload: tooLarge(bytes.length) } : { id: moduleId, payloadBytes: bytes.toString('base64') };
  }
  return text.length > MAX_LOGS_PAYLOAD ? { id: moduleId, payload: tooLarge(text.length) } : { id: moduleId, payload: text };
}
