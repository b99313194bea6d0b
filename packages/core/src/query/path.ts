/**
 * Resolves a property path in a twin document. Only own properties are read, so `tags.constructor` or
 * `tags.__proto__` never reach `Object.prototype`. The first segment also matches case-insensitively: IoT Hub
 * answers `SELECT DeviceId, LastActivityTime FROM devices` with `deviceId` and `lastActivityTime`
 * (learn.microsoft.com/azure/iot-hub/query-twins); deeper keys (tags, desired and reported properties) are
 * case-sensitive JSON keys.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of `root` that the first path segment `name` designates: exact match first, then case-insensitive. */
export function rootKey(root: unknown, name: string): string | undefined {
  if (!isRecord(root)) return undefined;
  if (Object.hasOwn(root, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(root).find((k) => k.toLowerCase() === lower);
}

/** The value at `segments` under `root`, or `undefined` when any step is missing or not an object. */
export function resolvePath(root: unknown, segments: readonly string[]): unknown {
  const [first, ...rest] = segments;
  if (first === undefined) return root;
  const key = rootKey(root, first);
  if (key === undefined) return undefined;
  let current = (root as Record<string, unknown>)[key];
  for (const segment of rest) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}
