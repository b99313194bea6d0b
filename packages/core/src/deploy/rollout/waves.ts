import type { RolloutPolicy, RolloutWave } from '@verge/contracts';

/**
 * A stable 32-bit hash (FNV-1a over UTF-16 code units) of a deployment id and a device id: the position of a device
 * in a deployment's rollout order. The same inputs give the same order on every instance and after restarts; two
 * deployments order the same fleet differently, so the same devices are not always first.
 */
export function rolloutHash(deploymentId: string, deviceId: string): number {
  let h = 0x811c9dc5;
  const text = `${deploymentId}\u0000${deviceId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Device ids in rollout order: by {@link rolloutHash}, ties by id (ordinal). Duplicates are dropped. */
export function rolloutOrder(deploymentId: string, deviceIds: Iterable<string>): string[] {
  const keyed = [...new Set(deviceIds)].map((id) => ({ id, h: rolloutHash(deploymentId, id) }));
  keyed.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.id);
}

/**
 * How many devices a (non-last) wave admits out of `targetedCount`: `count`, or `percent` of the targeted devices
 * rounded up, at least one device (when any is targeted).
 */
export function waveSize(wave: RolloutWave, targetedCount: number): number {
  if (targetedCount <= 0) return 0;
  if (wave.count !== undefined) return wave.count;
  return Math.max(1, Math.ceil(((wave.percent ?? 0) * targetedCount) / 100 - 1e-9));
}

/**
 * The devices wave `index` admits when it starts: the next devices in rollout order among those targeted and not yet
 * admitted, as many as {@link waveSize} of the targeted count says; the last wave takes all of them.
 */
export function nextWaveDevices(
  policy: RolloutPolicy,
  index: number,
  deploymentId: string,
  targeted: readonly string[],
  admitted: ReadonlySet<string>,
): string[] {
  const waiting = rolloutOrder(deploymentId, targeted).filter((id) => !admitted.has(id));
  const wave = policy.waves[index];
  if (wave === undefined) return [];
  if (index === policy.waves.length - 1) return waiting;
  return waiting.slice(0, waveSize(wave, new Set(targeted).size));
}

/**
 * The wave of every device if the whole fleet were known up front and no device joined or left: a preview of the
 * rollout (the controller sizes each wave when it starts, see {@link nextWaveDevices}). Every device is in exactly
 * one wave; some waves may be empty when the fleet is small.
 */
export function assignWaves(policy: RolloutPolicy, deploymentId: string, deviceIds: readonly string[]): string[][] {
  const admitted = new Set<string>();
  return policy.waves.map((_, i) => {
    const ids = nextWaveDevices(policy, i, deploymentId, deviceIds, admitted);
    for (const id of ids) admitted.add(id);
    return ids;
  });
}
