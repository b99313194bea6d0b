import type { JsonObject, JsonValue } from '@verge/core';

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One JSON merge patch (RFC 7386) with the effect of applying `first` then `second` to ANY document, or undefined
 * when no single patch has it: where `first` sets a key to a non-object (or deletes it) and `second` patches that
 * key with an object, the sequence replaces the old value but a single object patch would merge into it. Pure.
 */
export function composeMergePatches(first: JsonObject, second: JsonObject): JsonObject | undefined {
  const out: JsonObject = { ...first };
  for (const [key, value] of Object.entries(second)) {
    const before = Object.hasOwn(first, key) ? first[key] : undefined;
    if (!isObject(value) || before === undefined) {
      out[key] = value;
      continue;
    }
    if (!isObject(before)) return undefined;
    const inner = composeMergePatches(before, value);
    if (inner === undefined) return undefined;
    out[key] = inner;
  }
  return out;
}

/** A run of pending patches sent as one, and the first and last sequence numbers it covers. */
export interface CoalescedPatch {
  readonly patch: JsonObject;
  readonly fromSeq: number;
  readonly throughSeq: number;
}

/**
 * Coalesces pending reported patches (oldest first) into as few patches as compose exactly, in order
 * (reference azure-iot-edge.md §5.3: edgeHub batches reported properties before syncing them). At most
 * `maxPatches` are returned; the rest wait for the next round.
 */
export function coalescePatches(pending: readonly { readonly seq: number; readonly patch: JsonObject }[], maxPatches = 16): CoalescedPatch[] {
  const out: CoalescedPatch[] = [];
  let current: CoalescedPatch | undefined;
  for (const p of pending) {
    const merged = current === undefined ? undefined : composeMergePatches(current.patch, p.patch);
    if (current !== undefined && merged !== undefined) {
      current = { patch: merged, fromSeq: current.fromSeq, throughSeq: p.seq };
      continue;
    }
    if (current !== undefined) out.push(current);
    if (out.length >= maxPatches) return out;
    current = { patch: p.patch, fromSeq: p.seq, throughSeq: p.seq };
  }
  if (current !== undefined && out.length < maxPatches) out.push(current);
  return out;
}
