import { equalsIgnoreCase, hasPrefixIgnoreCase } from './invariant-text.js';

/**
 * Message sources (reference §3.2). Every message gets a source path; a route's FROM path matches when it is a
 * case-insensitive prefix of that path, both ending in exactly one `/`.
 */

/** Source of telemetry from leaf (downstream) devices. */
export const TELEMETRY_SOURCE = '/messages/';
/** Source of reported-property change notifications. */
export const TWIN_CHANGE_SOURCE = '/twinChangeNotifications/';

const TWIN_CHANGE_MESSAGE_TYPE = 'twinChangeNotification';

// .NET String.Trim() strips Unicode white space, including U+0085 but not U+FEFF (unlike JavaScript's trim).
function trim(s: string): string {
  return s.replace(/^(?:[^\S\uFEFF]|\u0085)+|(?:[^\S\uFEFF]|\u0085)+$/g, '');
}

// Fast path for the usual case (printable ASCII at both ends, no trailing '/'): every message pays for this.
function plainEnds(s: string): boolean {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f && last !== 0x2f;
}

function withSingleTrailingSlash(s: string): string {
  return plainEnds(s) ? `${s}/` : `${trim(s).replace(/\/+$/, '')}/`;
}

/** A message source path as edgeHub compares it: trimmed, ending in exactly one `/`. */
export function normalizeMessageSource(path: string): string {
  return withSingleTrailingSlash(path);
}

/**
 * Normalises a route's FROM path as edgeHub's `CustomMessageSource`: trim, strip trailing `*`, strip trailing
 * `/` unless the result is `/`, then end with exactly one `/`. `/*` and `/` become `/`; `/messages/*` becomes
 * `/messages/`.
 */
export function normalizeSource(source: string): string {
  let s = trim(source).replace(/\*+$/, '');
  if (s.length > 1) s = s.replace(/\/+$/, '');
  return withSingleTrailingSlash(s);
}

/** True when a normalised route source matches a message source (case-insensitive prefix, reference §3.2). */
export function sourceMatches(routeSource: string, messageSourcePath: string): boolean {
  return hasPrefixIgnoreCase(normalizeMessageSource(messageSourcePath), routeSource);
}

/** True when a normalised route source can only match twin change notifications. */
export function isTwinChangeSource(routeSource: string): boolean {
  return hasPrefixIgnoreCase(routeSource, TWIN_CHANGE_SOURCE);
}

function present(value: string | undefined): value is string {
  if (value === undefined || value === '') return false;
  const c = value.charCodeAt(0);
  return (c > 0x20 && c < 0x7f) || value.trim() !== '';
}

function own(bag: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(bag, key) ? bag[key] : undefined;
}

/**
 * The source path of a message, from its system properties (edgeHub `RoutingMessageConverter.GetMessageSource`):
 * `/twinChangeNotifications/` when `messageType` is `twinChangeNotification` (any case); for a module's message
 * `/messages/modules/{m}/outputs/{o}/` or, without an output name, `/messages/modules/{m}/`; else `/messages/`.
 * A blank module id or output name counts as absent (edgeHub would reject such a message).
 */
export function messageSource(systemProperties: Readonly<Record<string, string>>): string {
  const messageType = own(systemProperties, 'messageType');
  if (messageType !== undefined && equalsIgnoreCase(messageType, TWIN_CHANGE_MESSAGE_TYPE)) return TWIN_CHANGE_SOURCE;
  const moduleId = own(systemProperties, 'connectionModuleId');
  if (!present(moduleId)) return TELEMETRY_SOURCE;
  const output = own(systemProperties, 'outputName');
  return withSingleTrailingSlash(present(output) ? `/messages/modules/${moduleId}/outputs/${output}` : `/messages/modules/${moduleId}`);
}
