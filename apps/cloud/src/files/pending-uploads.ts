import type { Logger } from '@verge/platform';
import { PENDING_CONTAINER, type BlobStore } from './blob-store.js';

/** A file upload handed out (SAS + correlation id) and not yet notified. */
export interface PendingUpload {
  readonly blobName: string;
  readonly blobUri: string;
  /** ISO time after which the correlation id is unknown. */
  readonly expiresAt: string;
}

/**
 * Pending file uploads kept in the blob store itself (container `file-pending`, one JSON blob
 * `{deviceId}/{correlationId}.json` each, `expiresat` also as metadata so counting needs one listing), not in
 * memory: they survive a cloud restart, and every instance sharing the store sees them (docs/scale-out.md).
 */
export interface PendingUploads {
  /** The device's unexpired pending uploads; expired ones are deleted on the way (best effort). */
  count(deviceId: string): Promise<number>;
  add(deviceId: string, correlationId: string, p: PendingUpload): Promise<void>;
  /**
   * Removes and returns the pending upload, once: of two concurrent calls for one id (on any instances) one gets it,
   * the other undefined, as for an unknown, another device's or an expired id.
   */
  take(deviceId: string, correlationId: string): Promise<PendingUpload | undefined>;
}

// What we hand out (24 random bytes, base64url) and what may name a blob: anything else is unknown without a lookup.
const CORRELATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function createPendingUploads(blobs: BlobStore, nowMs: () => number, log: Logger): PendingUploads {
  const key = (deviceId: string, correlationId: string): string => `${deviceId}/${correlationId}.json`;
  return {
    async count(deviceId) {
      const entries = await blobs.list(PENDING_CONTAINER, `${deviceId}/`, { metadata: true });
      let live = 0;
      for (const e of entries) {
        const expiresAt = Date.parse(e.metadata?.['expiresat'] ?? '');
        if (Number.isFinite(expiresAt) && expiresAt > nowMs()) live++;
        else void blobs.remove(PENDING_CONTAINER, e.name).catch((err: unknown) => log.warn({ err, name: e.name }, 'expired pending upload not deleted'));
      }
      return live;
    },
    async add(deviceId, correlationId, p) {
      await blobs.upload(PENDING_CONTAINER, key(deviceId, correlationId), Buffer.from(JSON.stringify(p)), 'application/json', { expiresat: p.expiresAt });
    },
    async take(deviceId, correlationId) {
      if (!CORRELATION_ID.test(correlationId)) return undefined;
      const body = await blobs.take(PENDING_CONTAINER, key(deviceId, correlationId));
      if (body === undefined) return undefined;
      let p: PendingUpload;
      try {
        p = JSON.parse(body.toString('utf8')) as PendingUpload;
      } catch (err) {
        log.warn({ err, deviceId }, 'unreadable pending upload entry dropped');
        return undefined;
      }
      return Date.parse(p.expiresAt) > nowMs() ? p : undefined;
    },
  };
}
