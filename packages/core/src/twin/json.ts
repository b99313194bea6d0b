import type { JsonObject, JsonValue } from './types.js';

/** True for an object literal / `JSON.parse` object (prototype `Object.prototype` or `null`), never for arrays. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Sets an own enumerable property. Plain assignment would treat a `__proto__` key (legal in JSON and in twins)
 * as the prototype setter and lose it.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Only `__proto__` has an inherited setter on a plain object; plain assignment keeps objects fast otherwise.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Reads an own property only, so keys such as `constructor` or `toString` never reach `Object.prototype`. */
export function getOwn(source: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}

/** Deep copy of a JSON value (own enumerable keys only). */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key] as JsonValue));
    return out as T;
  }
  return value;
}

/** Structural equality of two JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** True for a C0 (U+0000–U+001F) or C1 (U+0080–U+009F) control character code. */
export function isControlCode(code: number): boolean {
  return code <= 0x1f || (code >= 0x80 && code <= 0x9f);
}

/**
 * UTF-8 length in bytes. A lone surrogate counts 3 bytes, as its U+FFFD replacement would.
 * With `skipControls`, C0 and C1 control characters are not counted (IoT Hub's twin size rule).
 */
export function utf8Length(text: string, skipControls = false): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += skipControls && isControlCode(code) ? 0 : 1;
    else if (code < 0x800) bytes += skipControls && isControlCode(code) ? 0 : 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** `a.b` path join; an empty base gives the key alone, a number gives `[i]`. Keys are not escaped. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}
