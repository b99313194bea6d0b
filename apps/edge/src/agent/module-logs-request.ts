import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { checkMethodSchemaVersion } from '@verge/core';

// `GetModuleLogs` (reference §2.6; iotedge doc/built-in-logs-pull.md, ModuleLogsRequest.cs): which modules, which
// lines, and how the answer is encoded.

const TimeValue = z.union([z.number(), z.string()]);

const FilterSchema = z.looseObject({
  tail: z.number().int().nonnegative().optional(),
  since: TimeValue.optional(),
  until: TimeValue.optional(),
  loglevel: z.number().int().min(0).max(7).optional(),
  regex: z.string().optional(),
});

const ItemSchema = z.looseObject({ id: z.string().min(1), filter: FilterSchema.optional() });

const RequestSchema = z.looseObject({
  schemaVersion: z.string(),
  items: z.array(ItemSchema).min(1),
  encoding: z.string().optional(),
  contentType: z.string().optional(),
});

/** A parsed `GetModuleLogs` item: a module-id regex and its line filter. */
export interface LogsItem {
  /** `all`, or a case-insensitive, unanchored regular expression over module ids (LogsRequestToOptionsMapper). */
  readonly id: string;
  readonly matches: (moduleId: string) => boolean;
  readonly tail?: number;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Keep lines whose syslog level (`<N>` prefix, default 6) is at most this. */
  readonly loglevel?: number;
  readonly regex?: RegExp;
}

/** A parsed `GetModuleLogs` request. */
export interface ModuleLogsRequest {
  readonly items: readonly LogsItem[];
  readonly encoding: 'none' | 'gzip';
  readonly contentType: 'text' | 'json';
}

function invalid(message: string): never {
  throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', message);
}

const UNITS: Record<string, number> = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hour: 3600, hours: 3600, d: 86_400, day: 86_400, days: 86_400 };

/**
 * A `since`/`until` value in epoch ms: a UNIX timestamp (seconds, number or digits), an RFC 3339 time, or a
 * duration before now (`1d`, `90m`, `2 days 3 hours 2 minutes`). Throws AGT_METHOD_PAYLOAD_INVALID otherwise.
 */
export function parseLogTime(value: number | string, field: string, nowMs: number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) invalid(`GetModuleLogs: ${field} ${value} is not a UNIX timestamp`);
    return value * 1000;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const duration = /^(\s*\d+\s*[a-z]+\s*)+$/i.test(text) ? [...text.matchAll(/(\d+)\s*([a-z]+)/gi)] : [];
  if (duration.length > 0 && duration.every((m) => UNITS[(m[2] ?? '').toLowerCase()] !== undefined)) {
    const seconds = duration.reduce((sum, m) => sum + Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 0), 0);
    return nowMs - seconds * 1000;
  }
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(parsed)) invalid(`GetModuleLogs: ${field} ${JSON.stringify(value)} is not a UNIX timestamp, an RFC 3339 time or a duration (e.g. 90m, 1 day)`);
  return parsed;
}

function regexOf(source: string, what: string): RegExp {
  try {
    return new RegExp(source, what === 'id' ? 'i' : '');
  } catch (e) {
    return invalid(`GetModuleLogs: ${what} ${JSON.stringify(source)} is not a valid regular expression: ${(e as Error).message}`);
  }
}

function enumValue<T extends string>(value: string | undefined, allowed: readonly T[], field: string, fallback: T): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) invalid(`GetModuleLogs: ${field} ${JSON.stringify(value)} must be one of ${allowed.join(', ')}`);
  return found;
}

/** Parses a `GetModuleLogs` payload; throws AGT_METHOD_PAYLOAD_INVALID naming the field and the rule broken. */
export function parseModuleLogsRequest(payload: unknown, nowMs: number): ModuleLogsRequest {
  const parsed = RequestSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    invalid(`GetModuleLogs: ${issue?.path.length ? issue.path.join('.') : 'payload'}: ${issue?.message ?? 'invalid'}`);
  }
  checkMethodSchemaVersion(parsed.data.schemaVersion, 'GetModuleLogs');
  const items = parsed.data.items.map((item): LogsItem => {
    const f = item.filter ?? {};
    const idRegex = item.id.toLowerCase() === 'all' ? undefined : regexOf(item.id, 'id');
    return {
      id: item.id,
      matches: (moduleId) => idRegex === undefined || idRegex.test(moduleId),
      ...(f.tail === undefined ? {} : { tail: f.tail }),
      ...(f.since === undefined ? {} : { sinceMs: parseLogTime(f.since, 'since', nowMs) }),
      ...(f.until === undefined ? {} : { untilMs: parseLogTime(f.until, 'until', nowMs) }),
      ...(f.loglevel === undefined ? {} : { loglevel: f.loglevel }),
      ...(f.regex === undefined ? {} : { regex: regexOf(f.regex, 'regex') }),
    };
  });
  return {
    items,
    encoding: enumValue(parsed.data.encoding, ['none', 'gzip'] as const, 'encoding', 'none'),
    contentType: enumValue(parsed.data.contentType, ['text', 'json'] as const, 'contentType', 'text'),
  };
}
