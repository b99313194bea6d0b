import { VergeError } from '../errors/index.js';
import { percentEncode } from './percent.js';
import { tokenizePropertyBag } from './property-tokenizer.js';

/** Throws TOPIC_INVALID for `topic`, naming the rule broken. */
export function topicError(topic: string, rule: string): never {
  throw new VergeError('TOPIC_INVALID', `topic '${topic}': ${rule}`, { details: { topic, rule } });
}

/**
 * Checks one identifier placed raw in a topic level (device id, module id, input or method name). The Node SDK
 * puts ids into topics without encoding (`'devices/' + deviceId`, azure-iot-common `endpoint.js`), so they stay
 * raw here too; what MQTT and the level structure forbid is rejected: empty, `/`, the wildcards `+` and `#`, NUL.
 * Returns the reason, or undefined when the identifier is fine.
 */
export function topicLevelProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value.includes('/')) return "contains '/'";
  if (value.includes('+') || value.includes('#')) return "contains an MQTT wildcard ('+' or '#')";
  if (value.includes('\u0000')) return 'contains NUL';
  return undefined;
}

/** `topicLevelProblem` for builders: throws TOPIC_INVALID naming `what` (e.g. `deviceId 'a/b'`). */
export function assertTopicLevel(value: string, what: string): string {
  const problem = topicLevelProblem(value);
  if (problem !== undefined) {
    throw new VergeError('TOPIC_INVALID', `${what} '${value}' ${problem}; it cannot be a topic level`, { details: { what, value } });
  }
  return value;
}

/** `topicLevelProblem` for parsers: throws TOPIC_INVALID naming the topic. */
export function checkTopicLevel(topic: string, value: string, what: string): string {
  const problem = topicLevelProblem(value);
  if (problem !== undefined) topicError(topic, `${what} '${value}' ${problem}`);
  return value;
}

/** Splits an `$iothub/...` topic into its path (one trailing `/` removed) and the offset of its query (-1: none). */
export function splitIotHubTopic(topic: string): { path: string; queryStart: number } {
  const q = topic.indexOf('?');
  const rawPath = q < 0 ? topic : topic.slice(0, q);
  const path = rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  return { path, queryStart: q < 0 ? -1 : q + 1 };
}

/** The decoded query parameters of an `$iothub/...` topic (`$rid`, `$version`, …); later duplicates win. */
export function readQuery(topic: string, queryStart: number): Map<string, string> {
  const params = new Map<string, string>();
  if (queryStart < 0) return params;
  for (const { key, value } of tokenizePropertyBag({ text: topic, start: queryStart, label: `topic '${topic}'` })) {
    params.set(key, value);
  }
  return params;
}

/** The mandatory, non-empty `$rid` of a twin or method topic. */
export function requireRid(topic: string, query: ReadonlyMap<string, string>): string {
  const rid = query.get('$rid');
  if (rid === undefined || rid === '') topicError(topic, "the query must carry a non-empty '$rid' (request id)");
  return rid;
}

/** Parses an integer topic level or query value (status code, `$version`). */
export function parseTopicInteger(topic: string, text: string, what: string, min: number): number {
  const n = /^-?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) topicError(topic, `${what} '${text}' is not an integer >= ${min}`);
  return n;
}

/** An optional integer query value (`$version`). */
export function optionalQueryInteger(topic: string, query: ReadonlyMap<string, string>, key: string): number | undefined {
  const text = query.get(key);
  return text === undefined ? undefined : parseTopicInteger(topic, text, key, 0);
}

/** Encodes a request id for a `$rid=` query value (the SDK decodes it with `querystring.parse`). */
export function encodeRid(rid: string): string {
  if (rid === '') throw new VergeError('TOPIC_INVALID', "'$rid' (request id) is empty", { details: { what: '$rid' } });
  try {
    return percentEncode(rid, "'$rid' (request id)");
  } catch {
    throw new VergeError('TOPIC_INVALID', "'$rid' (request id) contains a lone UTF-16 surrogate", { details: { what: '$rid' } });
  }
}

/** Checks an integer for a builder (status code, version). */
export function assertInteger(value: number, what: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new VergeError('TOPIC_INVALID', `${what} ${String(value)} is not an integer >= ${min}`, { details: { what, value } });
  }
  return value;
}
