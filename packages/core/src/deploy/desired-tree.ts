/**
 * Helpers over module-twin desired documents: JSON objects keyed by own properties. A twin cannot hold `null`
 * (in a twin patch `null` deletes), so values are copied without `null` members, and a `null` written at a
 * path removes that path.
 */

/** A desired document or sub-document. */
export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own enumerable property (safe for a `__proto__` key). */
export function setKey(target: Tree, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The own property `key` of `value`, or undefined. */
export function child(value: unknown, key: string): unknown {
  return isTree(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** The value at `path` under `root` (own properties only), or undefined. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    current = child(current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

/** Deep copy for a twin: object members that are `null` (or not JSON) are dropped; arrays are copied as they are. */
export function copyForTwin(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (isTree(v) || Array.isArray(v) ? copyForTwin(v) : v));
  if (!isTree(value)) return value;
  const out: Tree = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null || v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') continue;
    setKey(out, key, copyForTwin(v));
  }
  return out;
}

/**
 * Writes `value` at `path` in `root` (replacing what was there; `null` deletes), creating objects on the way and
 * replacing non-objects that stand in the way. Returns the new root (a new object when `path` is empty).
 */
export function writeAt(root: Tree | undefined, path: readonly string[], value: unknown): Tree {
  if (path.length === 0) return isTree(value) ? (copyForTwin(value) as Tree) : {};
  const top: Tree = root ?? {};
  let node = top;
  for (const key of path.slice(0, -1)) {
    let next = child(node, key);
    if (!isTree(next)) {
      next = {};
      setKey(node, key, next);
    }
    node = next as Tree;
  }
  const last = path.at(-1) as string;
  if (value === null) delete node[last];
  else setKey(node, last, copyForTwin(value));
  return top;
}

/** True when `a` is a prefix of (or equal to) `b`. */
export function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}
