import { queueName, VergeError, type MessageDelivery, type QueueRef } from '@verge/contracts';
import type { DiskRefusal } from '@verge/platform';

/** Default byte limit of the in-memory store (bodies + properties). */
export const defaultMemoryStoreMaxBytes = 64 * 1024 * 1024;
/** Default byte limit of the SQLite store (bodies + properties; the file adds page and index overhead). */
export const defaultSqliteStoreMaxBytes = 1024 * 1024 * 1024;
/**
 * Expired entries one `read` may skip beyond the live ones it returns, so a long run of expired entries costs
 * several bounded reads rather than one unbounded one; `nextOffset` says where to continue.
 */
export const maxExpiredPerRead = 10_000;

// Offsets, priorities and enqueue times stay exact in a double and in SQLite's INTEGER.
const maxPriority = 2 ** 31 - 1;
const maxAbsTtlSecs = 2 ** 32;

/**
 * Throws `HUB_STORE_ARGUMENT_INVALID` unless `deliveries` is a non-empty list of valid, distinct endpoints. Runs on
 * every append: plain loops, no Map or closure per call (a message has a handful of deliveries at most).
 */
export function checkDeliveries(deliveries: readonly MessageDelivery[]): void {
  if (deliveries.length === 0) argument('deliveries is empty: a message is stored only for at least one endpoint (unrouted messages are dropped by the caller)');
  for (let i = 0; i < deliveries.length; i++) {
    const d = deliveries[i] as MessageDelivery;
    checkQueue(d, i);
    if (!Number.isInteger(d.ttlSecs) || Math.abs(d.ttlSecs) > maxAbsTtlSecs) {
      argument(`deliveries[${i}].ttlSecs is ${String(d.ttlSecs)}: it must be an integer number of seconds within ±2^32 (negative means never expire)`);
    }
    for (let first = 0; first < i; first++) {
      if ((deliveries[first] as MessageDelivery).endpointId === d.endpointId) {
        argument(`deliveries[${i}].endpointId "${d.endpointId}" repeats deliveries[${first}]: a message is enqueued at most once per endpoint (reference §3.5)`);
      }
    }
  }
}

/** Throws `HUB_STORE_ARGUMENT_INVALID` unless `queue` names a valid endpoint id and priority. */
export function checkQueue(queue: QueueRef, path: string | number = 'queue'): void {
  if (typeof queue.endpointId !== 'string' || queue.endpointId.length === 0) argument(`${pathOf(path)}.endpointId must be a non-empty string`);
  if (!Number.isInteger(queue.priority) || queue.priority < 0 || queue.priority > maxPriority) {
    argument(`${pathOf(path)}.priority is ${String(queue.priority)}: it must be an integer from 0 to 2^31-1`);
  }
}

/** A number is the index of a delivery: its path string is built only when a check fails (appends check every one). */
function pathOf(path: string | number): string {
  return typeof path === 'number' ? `deliveries[${path}]` : path;
}

/** Throws `HUB_STORE_ARGUMENT_INVALID` unless `read`'s arguments are in range. */
export function checkReadArguments(queue: QueueRef, fromOffset: number, max: number): void {
  checkQueue(queue);
  if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) argument(`fromOffset is ${String(fromOffset)}: it must be an integer ≥ 0`);
  if (!Number.isSafeInteger(max) || max < 1) argument(`max is ${String(max)}: it must be an integer ≥ 1`);
}

/** Throws `HUB_STORE_ARGUMENT_INVALID` unless a checkpoint offset lies below the queue's next offset. */
export function checkCheckpoint(queue: QueueRef, offset: number, nextOffset: number): void {
  checkQueue(queue);
  if (!Number.isSafeInteger(offset) || offset < -1) argument(`offset is ${String(offset)}: it must be an integer ≥ -1`);
  if (offset >= nextOffset) {
    argument(`cannot checkpoint offset ${offset} of queue "${queueName(queue)}": its last appended offset is ${nextOffset - 1}`);
  }
}

/** Throws `HUB_STORE_OPTIONS_INVALID` unless `maxBytes` is a positive safe integer. */
export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new VergeError('HUB_STORE_OPTIONS_INVALID', `maxBytes is ${String(maxBytes)}: the store size limit must be a positive integer number of bytes`);
  }
}

/** The `HUB_STORE_FULL` refusal, naming the limit and the current size. */
export function storeFullError(messageBytes: number, usedBytes: number, maxBytes: number, messageCount: number): VergeError {
  return new VergeError(
    'HUB_STORE_FULL',
    `message store full: storing this ${messageBytes}-byte message would bring the store to ${usedBytes + messageBytes} bytes, ` +
      `over its limit of ${maxBytes} bytes (it holds ${usedBytes} bytes in ${messageCount} messages); ` +
      'space frees as queued messages are delivered or expire',
    { details: { maxBytes, usedBytes, messageBytes, messageCount } },
  );
}

/** The `HUB_DISK_LOW` refusal of the store's disk guard. */
export function diskLowError(r: DiskRefusal): VergeError {
  return new VergeError(
    'HUB_DISK_LOW',
    `message store refuses new messages: the disk holding ${r.dir} has ${r.freeBytes} bytes free, ` +
      `below the ${r.reserveBytes} bytes the hub keeps in reserve to retire delivered messages; acceptance resumes when space frees`,
    { details: { freeBytes: r.freeBytes, reserveBytes: r.reserveBytes, messageBytes: r.bytes } },
  );
}

/** The `HUB_STORE_CLOSED` refusal. */
export function storeClosedError(operation: string): VergeError {
  return new VergeError('HUB_STORE_CLOSED', `message store is closed: cannot ${operation}`);
}

function argument(message: string): never {
  throw new VergeError('HUB_STORE_ARGUMENT_INVALID', message);
}
