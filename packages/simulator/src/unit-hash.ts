/**
 * A deterministic number in [0, 1) from a text (FNV-1a, 32 bits). The simulator draws every per-device choice
 * (fails or not, start delay) from it, keyed by seed, device and what is chosen, so a device makes the same choice
 * for the same image again (a bad version keeps failing on the same devices, a rollback heals them) and two runs
 * with the same seed behave alike.
 */
export function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV's low bits alone are poorly spread for short, similar keys.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}
