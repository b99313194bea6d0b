import type { QueueEntry } from '@verge/contracts';
import { storedSizeBytes } from '../store/stored-properties.js';

/** The identity that sent a message: `deviceId` or `deviceId/moduleId` (iotedge groups upstream sends by it). */
export function senderIdentity(entry: QueueEntry): string {
  const device = entry.message.systemProperties['connectionDeviceId'] ?? '';
  const module = entry.message.systemProperties['connectionModuleId'];
  return module === undefined || module === '' ? device : `${device}/${module}`;
}

/** Splits entries into per-sender lists, keeping queue order inside each and first-appearance order between them. */
export function groupBySender(entries: readonly QueueEntry[]): QueueEntry[][] {
  const groups = new Map<string, QueueEntry[]>();
  for (const e of entries) {
    const id = senderIdentity(e);
    const g = groups.get(id);
    if (g === undefined) groups.set(id, [e]);
    else g.push(e);
  }
  return [...groups.values()];
}

/**
 * Cuts an ordered list into consecutive chunks of at most `maxCount` entries and `maxBytes` (message size as the
 * store counts it); a single entry larger than `maxBytes` gets a chunk of its own (the endpoint then judges it).
 */
export function chunkEntries(entries: readonly QueueEntry[], maxCount: number, maxBytes: number): QueueEntry[][] {
  const chunks: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = storedSizeBytes(e.message);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
