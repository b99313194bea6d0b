import { parseRolloutState, type RolloutState } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { CloudStore } from '../../store/ports.js';
import type { RestoreContent, RolloutView, RolloutViews } from '../deployments/rollout-view.js';

/**
 * Who a rollout admits, for deployment evaluation (one snapshot per pass). A deployment with a rollout policy admits:
 * - nobody before its rollout record exists (the controller has not started it yet);
 * - `running`, `paused`, `halted`, `aborted`: the devices its waves admitted; a device that joins the target later
 *   waits for a wave to admit it (the last wave, once running, admits late joiners; paused, halted and aborted
 *   rollouts admit nobody new);
 * - `completed`: every targeted device, late joiners included;
 * - `rolledBack`: nobody. A device it had moved falls back to the lower deployments that target it, or, when none
 *   does, to its snapshot (`restore`).
 */
export function createRolloutViews(store: CloudStore, log: Logger): RolloutViews {
  return {
    async load(): Promise<RolloutView> {
      const withPolicy = new Set((await store.configurations.list()).filter((c) => c.rollout !== null).map((c) => c.id));
      const states = new Map<string, { state: RolloutState; admitted: Set<string>; updatedAtMs: number }>();
      for (const record of await store.rollouts.list()) {
        if (!withPolicy.has(record.configurationId)) continue;
        try {
          const state = parseRolloutState(record.configurationId, record.state);
          states.set(record.configurationId, { state, admitted: new Set(state.waves.flatMap((w) => w.deviceIds)), updatedAtMs: record.updatedAtMs });
        } catch (err) {
          log.error({ err, configurationId: record.configurationId }, 'rollout state unreadable: the deployment admits no device');
        }
      }
      const rolledBack = [...states.entries()].filter(([, s]) => s.state.status === 'rolledBack').sort((a, b) => b[1].updatedAtMs - a[1].updatedAtMs);
      return {
        admits(configurationId, deviceId) {
          if (!withPolicy.has(configurationId)) return true;
          const s = states.get(configurationId);
          if (s === undefined) return false;
          switch (s.state.status) {
            case 'completed':
              return true;
            case 'rolledBack':
              return false;
            default:
              return s.admitted.has(deviceId);
          }
        },
        async restore(deviceId): Promise<RestoreContent | undefined> {
          for (const [configurationId, s] of rolledBack) {
            if (!s.admitted.has(deviceId)) continue;
            const snapshot = await store.rollouts.getSnapshot(configurationId, deviceId);
            if (snapshot !== undefined) return snapshot.desired;
          }
          return undefined;
        },
      };
    },
  };
}
