import type { CloudStore } from '../store/ports.js';

/**
 * How long records wait for a receiver on IoT Hub's service-bound nodes: its feedback and file-notification queues
 * keep them 1 hour by default.
 */
export const SERVICE_BOUND_TTL_MS = { c2dFeedback: 60 * 60 * 1000, fileNotifications: 60 * 60 * 1000 } as const;

/** Drops the service-bound records nobody read in time; returns how many. */
export async function purgeServiceBound(store: Pick<CloudStore, 'c2dFeedback' | 'fileNotifications'>, nowMs: number): Promise<number> {
  const feedback = await store.c2dFeedback.purgeAddedBefore(nowMs - SERVICE_BOUND_TTL_MS.c2dFeedback);
  return feedback + (await store.fileNotifications.purgeAddedBefore(nowMs - SERVICE_BOUND_TTL_MS.fileNotifications));
}
