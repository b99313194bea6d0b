import { z } from 'zod';

/**
 * A custom-metric gate of a wave: `name` is one of the deployment's `metrics.queries`; its value is how many of the
 * wave's admitted devices the query returns, among those whose `$edgeAgent` reported on the deployment's current
 * desired version (what a device reported before it acted on the deployment does not count). `max`: the wave fails
 * as soon as the value is above it; `min`: the wave passes only once the value reaches it.
 */
export const RolloutMetricGateSchema = z
  .strictObject({
    name: z.string().min(1, 'must name one of the deployment\'s metrics.queries'),
    max: z.number().min(0).optional(),
    min: z.number().min(0).optional(),
  })
  .refine((m) => m.max !== undefined || m.min !== undefined, { message: 'needs max or min' });
export type RolloutMetricGate = z.infer<typeof RolloutMetricGateSchema>;

/**
 * One wave of a staged rollout. Size: `percent` of the devices the deployment targets when the wave starts (rounded
 * up, at least one device) or a `count` of devices; the last wave takes every device still waiting, whatever its
 * size says. Gate: the wave passes once `successRate` of its devices report success (`$edgeAgent` reported
 * `lastDesiredVersion` equal to desired `$version`, `lastDesiredStatus.code` 200, every module running) and have
 * run for `bakeTimeSeconds`; it fails when the share of failing devices goes above `failureRate` (default
 * `1 − successRate`: success can no longer be reached), when a metric gate breaks, or when `deadlineSeconds` pass
 * first.
 */
export const RolloutWaveSchema = z
  .strictObject({
    percent: z.number().gt(0, 'must be above 0').max(100, 'must be at most 100').optional(),
    count: z.number().int('must be an integer').min(1, 'must be at least 1').optional(),
    successRate: z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1'),
    deadlineSeconds: z.number().int('must be an integer').min(1, 'must be at least 1 second').max(2_592_000, 'must be at most 30 days'),
    bakeTimeSeconds: z.number().int('must be an integer').min(0, 'must not be negative').max(2_592_000, 'must be at most 30 days').optional(),
    failureRate: z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').optional(),
    metric: RolloutMetricGateSchema.optional(),
  })
  .refine((w) => (w.percent === undefined) !== (w.count === undefined), { message: 'needs exactly one of percent or count' });
export type RolloutWave = z.infer<typeof RolloutWaveSchema>;

/** A deployment's staged-rollout policy (the extra top-level `rollout` field of a configuration). */
export const RolloutPolicySchema = z.strictObject({
  waves: z.array(RolloutWaveSchema).min(1, 'needs at least one wave').max(100, 'at most 100 waves'),
  /** On a failed gate, every device already moved returns to what it had before (default true). */
  autoRollback: z.boolean().optional(),
});
export type RolloutPolicy = z.infer<typeof RolloutPolicySchema>;

export const RolloutStatusSchema = z.enum(['running', 'paused', 'halted', 'completed', 'aborted', 'rolledBack']);
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

/** One wave as `GET /configurations/{id}/rollout` shows it. */
export const RolloutWaveDtoSchema = z.object({
  index: z.number().int(),
  /** `waiting` (not started), `running`, `passed`, `failed`. */
  result: z.enum(['waiting', 'running', 'passed', 'failed']),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** Devices the wave moved, and of those how many report success, failure, or nothing conclusive yet. */
  admitted: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
  /** When the gate must have passed (`startedAt` + deadline, shifted by pauses). */
  deadline: z.string().optional(),
  reason: z.string().optional(),
  deviceIds: z.array(z.string()).optional(),
});
export type RolloutWaveDto = z.infer<typeof RolloutWaveDtoSchema>;

/** `GET /configurations/{id}/rollout`. */
export const RolloutDtoSchema = z.object({
  configurationId: z.string(),
  status: RolloutStatusSchema,
  policy: RolloutPolicySchema,
  currentWave: z.number().int(),
  waves: z.array(RolloutWaveDtoSchema),
  haltReason: z.string().optional(),
  /** True when the moved devices were sent back (automatic rollback, or abort with rollback). */
  rolledBack: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
  etag: z.string(),
});
export type RolloutDto = z.infer<typeof RolloutDtoSchema>;
