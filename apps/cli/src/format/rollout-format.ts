import type { RolloutDto } from '@verge/contracts';
import { formatTable } from '../cli/table.js';

type Wave = RolloutDto['waves'][number];

/**
 * A deployment's rollout as text: a status line, the halt reason, then one row per wave (result, counts of devices
 * admitted / succeeded / failed / pending, deadline or end time, reason). `verge deployment status` and the
 * pause / resume / abort commands print it.
 */
export function rolloutLines(rollout: RolloutDto): string[] {
  const total = rollout.waves.length;
  const head = `rollout ${rollout.status}: wave ${Math.min(rollout.currentWave + 1, total)} of ${total}${rollout.policy.autoRollback === false ? ' (no automatic rollback)' : ''}`;
  const lines = [head];
  if (rollout.haltReason !== undefined) lines.push(`${rollout.status === 'rolledBack' ? 'rolled back' : 'stopped'}: ${rollout.haltReason}`);
  lines.push(
    ...formatTable<Wave>(
      [
        { header: 'wave', cell: (w) => String(w.index + 1) },
        { header: 'result', cell: (w) => w.result },
        { header: 'admitted', cell: (w) => String(w.admitted) },
        { header: 'succeeded', cell: (w) => String(w.succeeded) },
        { header: 'failed', cell: (w) => String(w.failed) },
        { header: 'pending', cell: (w) => String(w.pending) },
        { header: 'deadline/ended', cell: (w) => w.endedAt ?? w.deadline ?? '' },
        { header: 'reason', cell: (w) => w.reason ?? '' },
      ],
      rollout.waves,
    ),
  );
  return lines;
}
