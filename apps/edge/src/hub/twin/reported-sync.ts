import { isVergeError } from '@verge/contracts';
import { clientIdOf, parseClientId } from '@verge/iothub-mqtt';
import { type Logger } from '@verge/platform';
import type { ClientIdentity, JsonObject } from '@verge/core';
import type { HubState, PendingReported } from '../state/hub-state.js';
import type { UpstreamLink } from '../upstream/upstream-link.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { coalescePatches } from './compose-patches.js';

type SendOutcome = { readonly kind: 'sent' } | { readonly kind: 'retry' } | { readonly kind: 'refused'; readonly err: unknown };

/** Options of {@link ReportedSync}. */
export interface ReportedSyncOptions {
  readonly state: HubState;
  readonly pool: UpstreamPool;
  readonly log: Logger;
  /** Timeout of one upstream patch (iotedge CloudOperationTimeoutSecs). */
  readonly cloudTimeoutMs: number;
  /** Retry delay after a failed sync while connected (iotedge ReportedPropertiesSyncFrequencySecs, 5 s). */
  readonly retryMs: number;
}

/**
 * Syncs reported-property patches that the hub answered locally to the cloud (reference azure-iot-edge.md §5.3,
 * §11.3): per client, oldest first, coalesced where the composition is exact, each removed from the durable list
 * only once the cloud accepted it. Runs when a patch arrives, when the client's upstream link connects and on
 * start for whatever survived a restart. A patch the cloud refuses as invalid (4xx other than 429) is dropped
 * with a log line: retrying it could never succeed and would block the later ones. A refused coalesced patch is
 * first split back into the patches it was made of.
 */
export class ReportedSync {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly o: ReportedSyncOptions) {}

  /** Starts syncing every client with patches left from before a restart. */
  resume(): void {
    for (const clientId of this.o.state.clientsWithPendingReported()) {
      const id = parseClientId(clientId);
      if (id !== undefined) this.schedule(id);
    }
  }

  /** Syncs the client's pending patches now (or right after the round in progress). */
  schedule(id: ClientIdentity): void {
    if (this.stopped) return;
    const clientId = clientIdOf(id);
    if (this.running.has(clientId)) {
      this.again.add(clientId);
      return;
    }
    clearTimeout(this.timers.get(clientId));
    this.timers.delete(clientId);
    this.running.add(clientId);
    void this.run(id, clientId).finally(() => {
      this.running.delete(clientId);
      if (this.again.delete(clientId)) this.schedule(id);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async run(id: ClientIdentity, clientId: string): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const pending = this.o.state.pendingReported(clientId);
      if (pending.length === 0) return;
      const link = this.o.pool.acquire(id);
      if (link === undefined) return; // no credential: kept until the identity is known again
      if (!link.connected) return; // the link's connect schedules the next round
      for (const batch of coalescePatches(pending)) {
        const outcome = await this.send(link, clientId, batch.patch);
        if (outcome.kind === 'retry') return this.retryLater(id, clientId);
        const parts = pending.filter((p) => p.seq >= batch.fromSeq && p.seq <= batch.throughSeq);
        if (outcome.kind === 'refused' && parts.length > 1) {
          // The cloud judged the coalesced patch as a whole (e.g. the twin's size limit): the module got a 204 for
          // each part, and IoT Hub would have taken those that fit, so each is sent alone and only one refused alone
          // is dropped.
          this.o.log.info({ client: clientId, patches: parts.length }, 'the cloud refused coalesced reported properties; sending the patches one by one');
          if (!(await this.sendOneByOne(link, clientId, parts))) return this.retryLater(id, clientId);
        } else if (outcome.kind === 'refused') {
          this.logDropped(clientId, outcome.err);
        }
        this.o.state.removePendingReported(clientId, batch.throughSeq);
      }
    }
  }

  /** Sends each pending patch on its own, removing it once the cloud took or refused it; false to retry later. */
  private async sendOneByOne(link: UpstreamLink, clientId: string, parts: readonly PendingReported[]): Promise<boolean> {
    for (const part of parts) {
      const outcome = await this.send(link, clientId, part.patch);
      if (outcome.kind === 'retry') return false;
      if (outcome.kind === 'refused') this.logDropped(clientId, outcome.err);
      this.o.state.removePendingReported(clientId, part.seq);
    }
    return true;
  }

  /** One patch upstream: sent, refused as invalid (4xx but 429: retrying could never succeed) or to retry later. */
  private async send(link: UpstreamLink, clientId: string, patch: JsonObject): Promise<SendOutcome> {
    try {
      await link.current.patchReported(patch, { timeoutMs: this.o.cloudTimeoutMs });
      return { kind: 'sent' };
    } catch (e) {
      if (isRefusal(e)) return { kind: 'refused', err: e };
      this.o.log.info({ client: clientId, err: e }, 'reported properties not synced yet; retrying');
      return { kind: 'retry' };
    }
  }

  private logDropped(clientId: string, err: unknown): void {
    this.o.log.warn({ client: clientId, err }, 'the cloud refused a reported-properties patch the edge hub had accepted offline; dropped');
  }

  private retryLater(id: ClientIdentity, clientId: string): void {
    if (this.stopped || this.timers.has(clientId)) return;
    const t = setTimeout(() => {
      this.timers.delete(clientId);
      this.schedule(id);
    }, this.o.retryMs);
    t.unref();
    this.timers.set(clientId, t);
  }
}

/** The cloud answered the patch with a client error: the patch itself is wrong (throttling excepted). */
function isRefusal(e: unknown): boolean {
  if (!isVergeError(e, 'SDK_TWIN_REQUEST_FAILED')) return false;
  const status = (e.details as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}
