import type { RolloutDto, RolloutWaveDto } from '@verge/contracts';
import type { CheckedRolloutPolicy, RolloutState } from '@verge/core';
import type { RolloutRecord } from '../../store/records.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `GET /configurations/{id}/rollout`: the state with per-wave counts (as of the gate's last evaluation); device ids with `detail`. */
export function rolloutToDto(record: RolloutRecord, state: RolloutState, policy: CheckedRolloutPolicy, detail: boolean): RolloutDto {
  const waves = state.waves.map((w, index): RolloutWaveDto => {
    const wave = policy.waves[index];
    const counts = w.counts ?? { considered: 0, succeeded: 0, failed: 0, pending: w.deviceIds.length };
    const deadline = w.startedAtMs !== undefined && wave !== undefined && w.result === 'running' ? w.startedAtMs + wave.deadlineSeconds * 1000 : undefined;
    const dto: Record<string, unknown> = {
      index,
      result: w.result,
      startedAt: iso(w.startedAtMs),
      endedAt: iso(w.endedAtMs),
      admitted: w.deviceIds.length,
      succeeded: counts.succeeded,
      failed: counts.failed,
      pending: Math.max(0, w.deviceIds.length - counts.succeeded - counts.failed),
      deadline: iso(deadline),
      reason: w.reason,
      deviceIds: detail ? w.deviceIds : undefined,
    };
    return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as RolloutWaveDto;
  });
  return {
    configurationId: record.configurationId,
    status: state.status,
    policy,
    currentWave: state.currentWave,
    waves,
    ...(state.haltReason === undefined ? {} : { haltReason: state.haltReason }),
    rolledBack: state.status === 'rolledBack',
    startedAt: new Date(state.startedAtMs).toISOString(),
    updatedAt: new Date(record.updatedAtMs).toISOString(),
    etag: record.etag,
  };
}
