import type { Message } from '../message.js';
import type { QueueRef } from './message-store.js';

/** The priority of routes written as plain strings: the lowest (reference azure-iot-edge.md §1.4, §3.5). */
export const defaultRoutePriority = 2_000_000_000;

/** iotedge's queue name: the bare endpoint id for the default priority, else `{endpointId}_Pri{p}` (reference §3.5). */
export function queueName(queue: QueueRef): string {
  return queue.priority === defaultRoutePriority ? queue.endpointId : `${queue.endpointId}_Pri${queue.priority}`;
}

/**
 * True when an entry's TTL has passed at `nowMs`. TTL counts from enqueue time; a negative TTL never expires; an
 * entry is expired strictly after `enqueuedAtMs + ttlSecs·1000` (iotedge: `timestamp + ttl < now`, reference §4).
 */
export function isExpired(entry: { readonly enqueuedAtMs: number; readonly ttlSecs: number }, nowMs: number): boolean {
  return entry.ttlSecs >= 0 && entry.enqueuedAtMs + entry.ttlSecs * 1000 < nowMs;
}

/**
 * The TTL to give a message moved to another queue at `nowMs` so that it still expires when a TTL of `ttlSecs` from
 * `enqueuedAtMs` would: whole seconds left, rounded up; a negative TTL stays -1 (never expires); undefined when it
 * has already expired ({@link isExpired}). Moving a message never extends its life (reference §4: TTL counts from
 * the enqueue into the hub).
 */
export function remainingTtlSecs(enqueuedAtMs: number, ttlSecs: number, nowMs: number): number | undefined {
  if (ttlSecs < 0) return -1;
  const leftMs = enqueuedAtMs + ttlSecs * 1000 - nowMs;
  return leftMs < 0 ? undefined : Math.ceil(leftMs / 1000);
}

/**
 * The bytes a message counts against the store's limit: body length plus the UTF-8 length of every key and value of
 * its application and system properties. Identical for every store implementation.
 */
export function messageSizeBytes(message: Message): number {
  return message.body.byteLength + recordBytes(message.properties) + recordBytes(message.systemProperties);
}

function recordBytes(record: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(record)) n += utf8Length(k) + utf8Length(v);
  return n;
}

/** UTF-8 length of a JS string without encoding it (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder does). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
