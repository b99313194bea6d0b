import type { QueueInfo, QueueRef } from '@verge/contracts';

/** A map key for a queue; unambiguous because the part after the last NUL (the priority) is digits only. */
export function queueKey(ref: QueueRef): string {
  return `${ref.endpointId}\u0000${ref.priority}`;
}

/** Sorts queues by endpoint id, then priority (highest priority, i.e. lowest number, first). */
export function sortQueues(queues: QueueInfo[]): QueueInfo[] {
  return queues.sort((a, b) => (a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : a.priority - b.priority));
}
