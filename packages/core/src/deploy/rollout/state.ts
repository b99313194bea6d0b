import { z } from 'zod';
import { RolloutStatusSchema, VergeError } from '@verge/contracts';

const GateCountsSchema = z.object({
  considered: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  pending: z.number().int().min(0),
});

/** One wave's progress. `waiting`: not started; `running`: admitted, gate not decided; `passed`/`failed`: decided. */
export const RolloutWaveStateSchema = z.object({
  deviceIds: z.array(z.string()),
  result: z.enum(['waiting', 'running', 'passed', 'failed']),
  /** When the gate's clock started (moved forward by the time spent paused). */
  startedAtMs: z.number().optional(),
  endedAtMs: z.number().optional(),
  reason: z.string().optional(),
  /** The gate's counts at its last evaluation. */
  counts: GateCountsSchema.optional(),
});
export type RolloutWaveState = z.infer<typeof RolloutWaveStateSchema>;

/**
 * The stored progress of a deployment's rollout (`RolloutRecord.state`). Statuses: `running`; `paused` (nothing is
 * admitted or decided, the wave's deadline stops); `halted` (a gate failed or could not be evaluated, moved devices
 * keep the deployment; resume or abort); `completed`; `aborted` (moved devices keep it, no more are admitted);
 * `rolledBack` (every moved device returned to what it had before). The last three are final.
 */
export const RolloutStateSchema = z.object({
  status: RolloutStatusSchema,
  startedAtMs: z.number(),
  currentWave: z.number().int().min(0),
  waves: z.array(RolloutWaveStateSchema).min(1),
  haltReason: z.string().optional(),
  pausedAtMs: z.number().optional(),
});
export type RolloutState = z.infer<typeof RolloutStateSchema>;

/** Reads a stored state; throws ROLLOUT_STATE_INVALID naming the deployment and the first fault. */
export function parseRolloutState(configurationId: string, value: unknown): RolloutState {
  const result = RolloutStateSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new VergeError('ROLLOUT_STATE_INVALID', `stored rollout state of '${configurationId}' is invalid at ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'unknown'}`, {
    details: { configurationId },
  });
}

/** Every device a rollout has admitted so far, over all its waves. */
export function admittedDevices(state: RolloutState): Set<string> {
  return new Set(state.waves.flatMap((w) => w.deviceIds));
}

/** True when nothing changes a rollout in this status any more. */
export function isFinalRolloutStatus(status: RolloutState['status']): boolean {
  return status === 'completed' || status === 'aborted' || status === 'rolledBack';
}
