import { z } from 'zod';

/** What a change event is about: the cloud's internal events that a dashboard view reloads on. */
export const ChangeKindSchema = z.enum(['twin', 'connection', 'identity', 'configuration', 'rollout', 'job']);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

/**
 * One `event: change` of `GET /events/changes`: something changed, read it again through the REST API. It names
 * what changed, never the new state (no properties, no keys). `all: true` stands for many changes of one kind in
 * one coalescing window (reload everything of that kind); it carries no id.
 */
export const ChangeEventSchema = z.object({
  kind: ChangeKindSchema,
  /** Twin, connection, identity: the device (and `moduleId` for a module). */
  deviceId: z.string().optional(),
  moduleId: z.string().optional(),
  /** Configuration, rollout: the deployment id. */
  configurationId: z.string().optional(),
  /** Job: the job id. */
  jobId: z.string().optional(),
  /** Twin: the sections that changed in the window. */
  sections: z.array(z.enum(['tags', 'desired', 'reported'])).optional(),
  /** Connection: the client's state after the last change of the window. */
  connected: z.boolean().optional(),
  /** Identity, configuration: the last change of the window. */
  change: z.enum(['created', 'updated', 'deleted']).optional(),
  all: z.literal(true).optional(),
});
export type ChangeEventDto = z.infer<typeof ChangeEventSchema>;
