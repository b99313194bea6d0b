import { isVergeError, VergeError } from '@verge/contracts';
import { applyMergePatch, assertTwinPatch, diffTwinSection, type JsonObject, type ClientIdentity } from '@verge/core';
import type { TwinDocument } from '@verge/device-client';
import { clientIdOf, isSubscribed, type SessionRegistry } from '@verge/iothub-mqtt';
import { type Logger } from '@verge/platform';
import type { HubState } from '../state/hub-state.js';
import type { UpstreamLink } from '../upstream/upstream-link.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { coalescePatches } from './compose-patches.js';
import type { ReportedSync } from './reported-sync.js';
import { twinError, twinOk, twinUnavailable, type TwinAnswerOut } from './twin-answer.js';

/** Options of {@link TwinBridge}. */
export interface TwinBridgeOptions {
  readonly state: HubState;
  readonly pool: UpstreamPool;
  readonly sessions: SessionRegistry;
  readonly sync: ReportedSync;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Timeout of an upstream twin GET before the cache answers (iotedge CloudOperationTimeoutSecs). */
  readonly cloudTimeoutMs: number;
  /** While the cloud is reachable, how long a GET waits for the client's upstream link to connect. */
  readonly connectWaitMs: number;
  /** Reported patches kept per client until the cloud has them (default {@link MAX_PENDING_REPORTED}). */
  readonly maxPendingReported?: number;
}

/**
 * Reported patches the hub keeps per client while they cannot reach the cloud. Every patch is a row until it is
 * synced, so without a bound a client reporting through a long outage would fill the disk (the message store's disk
 * guard does not cover the hub's state database); at the bound the patches are merged (most reporting repeats the
 * same keys and merges into one), and only a client whose patches still do not merge is refused.
 */
export const MAX_PENDING_REPORTED = 1000;

/**
 * Twins of the hub's clients (reference azure-iot-edge.md §5.3, §11.3): GET from the cloud over the client's own
 * upstream link when online (and cached), from the cache when not; reported patches answered locally (204) and
 * synced by `ReportedSync`; desired patches from the cloud pushed down to the client when it is connected and
 * subscribed; after a reconnect a full GET and a synthetic patch when the desired `$version` moved.
 */
export class TwinBridge {
  private readonly refreshing = new Set<string>();
  /** Twin GETs in flight per client, and the clients a desired patch reached meanwhile (see {@link absorb}). */
  private readonly getting = new Map<string, number>();
  private readonly patchedWhileGetting = new Set<string>();

  constructor(private readonly o: TwinBridgeOptions) {}

  /** Answers `$iothub/twin/GET`. */
  async get(id: ClientIdentity): Promise<TwinAnswerOut> {
    const clientId = clientIdOf(id);
    let why = 'the cloud is not reachable';
    const link = this.o.pool.acquire(id);
    if (link !== undefined && (link.connected || (this.o.pool.online && (await link.waitConnected(this.o.connectWaitMs))))) {
      try {
        const doc = await this.getTwin(link);
        const twin = this.absorb(clientId, doc);
        return twinOk(twin.desired, twin.reported);
      } catch (e) {
        why = `the cloud did not answer (${e instanceof Error ? e.message : String(e)})`;
        this.o.log.info({ client: clientId, err: e }, 'twin GET from the cloud failed; answering from the cache');
      }
    }
    const cached = this.o.state.twin(clientId);
    if (cached !== undefined) return twinOk(cached.desired, cached.reported);
    return twinError(twinUnavailable(clientId, why), this.o.nowMs());
  }

  /** Answers `$iothub/twin/PATCH/properties/reported`: validated, stored durably, answered 204, synced later. */
  patchReported(id: ClientIdentity, payload: Buffer): TwinAnswerOut {
    let patch: unknown;
    try {
      patch = parsePatch(payload);
      assertTwinPatch('reported', patch);
    } catch (e) {
      if (isVergeError(e)) return twinError(e, this.o.nowMs());
      throw e;
    }
    const clientId = clientIdOf(id);
    if (!this.roomForPending(clientId)) {
      const max = this.o.maxPendingReported ?? MAX_PENDING_REPORTED;
      const full = new VergeError('HUB_TWIN_PENDING_FULL', `the edge hub holds ${max} reported-properties patches of '${clientId}' that do not merge into ${max / 2} or fewer, waiting for the cloud; retry once the edge device is online`);
      return twinError(full, this.o.nowMs());
    }
    this.o.state.addPendingReported(clientId, patch);
    const cached = this.o.state.twin(clientId);
    if (cached !== undefined) this.o.state.putTwin(clientId, cached.desired, mergeKeepingVersion(cached.reported, patch));
    this.o.sync.schedule(id);
    return { status: 204, body: '' };
  }

  /**
   * Whether one more pending patch fits: below the bound, or once the pending patches are merged into as few as
   * compose exactly (in order; a sync in flight may send some of them twice, never out of order) and at most half
   * the bound is left, so that merging does not run again for every patch of a client near it.
   */
  private roomForPending(clientId: string): boolean {
    const max = this.o.maxPendingReported ?? MAX_PENDING_REPORTED;
    if (this.o.state.pendingReportedCount(clientId) < max) return true;
    const merged = coalescePatches(this.o.state.pendingReported(clientId), Number.POSITIVE_INFINITY);
    this.o.state.replacePendingReported(clientId, merged.map((m) => m.patch));
    return merged.length <= max / 2;
  }

  /** The client subscribed to desired patches (or connected with such a session): listen upstream for it. */
  watchDesired(id: ClientIdentity): void {
    this.o.pool.acquire(id)?.setDesiredListener((patch, version) => this.onDesired(id, patch, version));
  }

  /**
   * After the client's link (re)connected or the client connected: syncs pending reported patches, and when the
   * client listens to desired patches, GETs the twin and pushes a synthetic patch if the desired `$version` moved
   * (the cloud does not replay patches missed while offline, reference §11.3).
   */
  linkConnected(link: UpstreamLink): void {
    this.o.sync.schedule(link.id);
    const session = this.o.sessions.get(link.clientId);
    if (session?.connection?.isOpen === true && isSubscribed(session, 'twinDesiredPatches')) void this.refreshDesired(link);
  }

  private async refreshDesired(link: UpstreamLink): Promise<void> {
    if (this.refreshing.has(link.clientId)) return;
    this.refreshing.add(link.clientId);
    try {
      const before = this.o.state.twin(link.clientId);
      const doc = await this.getTwin(link);
      const after = this.absorb(link.clientId, doc);
      const version = after.desired['$version'];
      if (before === undefined || typeof version !== 'number' || before.desired['$version'] === version) return;
      const patch = diffTwinSection(before.desired, after.desired);
      this.o.log.info({ client: link.clientId, from: before.desired['$version'], to: version }, 'desired properties changed while disconnected; sending a synthetic patch');
      this.push(link.clientId, patch, version);
    } catch (e) {
      this.o.log.info({ client: link.clientId, err: e }, 'could not refresh the twin after reconnecting');
    } finally {
      this.refreshing.delete(link.clientId);
    }
  }

  private onDesired(id: ClientIdentity, patch: Record<string, unknown>, topicVersion: number | undefined): void {
    const clientId = clientIdOf(id);
    const body = { ...patch } as JsonObject;
    const version = topicVersion ?? (typeof body['$version'] === 'number' ? body['$version'] : undefined);
    delete body['$version'];
    if ((this.getting.get(clientId) ?? 0) > 0) this.patchedWhileGetting.add(clientId);
    const cached = this.o.state.twin(clientId);
    if (cached !== undefined && version !== undefined) {
      const desired = applyMergePatch(cached.desired, body) as JsonObject;
      this.o.state.putTwin(clientId, { ...desired, $version: version }, cached.reported);
    }
    this.push(clientId, body, version ?? 0);
  }

  /** Publishes a desired patch to the client when it is connected and subscribed (QoS 0, never queued, §5.3). */
  private push(clientId: string, patch: JsonObject, version: number): void {
    const session = this.o.sessions.get(clientId);
    const conn = session?.connection;
    if (session === undefined || conn === undefined || !conn.isOpen || !isSubscribed(session, 'twinDesiredPatches')) return;
    conn.publishDesiredPatch(patch, version);
  }

  /** A twin GET over the client's link, counted so that a desired patch arriving meanwhile is noticed. */
  private async getTwin(link: UpstreamLink): Promise<TwinDocument> {
    const clientId = link.clientId;
    this.getting.set(clientId, (this.getting.get(clientId) ?? 0) + 1);
    try {
      return await link.current.getTwin({ timeoutMs: this.o.cloudTimeoutMs });
    } finally {
      const left = (this.getting.get(clientId) ?? 1) - 1;
      if (left > 0) this.getting.set(clientId, left);
      else this.getting.delete(clientId);
    }
  }

  /**
   * Caches a twin from the cloud with the patches not yet synced applied on top; returns what the client sees. A
   * desired patch that reached the hub while the GET was in flight can be newer than the GET's answer (the device
   * client calls desired listeners as it reads a frame and settles the GET's promise for later, so a patch sent right
   * after the answer is handled first): the cached desired properties, which have it, stay.
   */
  private absorb(clientId: string, doc: TwinDocument): { desired: JsonObject; reported: JsonObject } {
    let reported = doc.reported as JsonObject;
    for (const p of this.o.state.pendingReported(clientId)) reported = mergeKeepingVersion(reported, p.patch);
    const cached = this.o.state.twin(clientId);
    const got = doc.desired['$version'];
    const have = cached?.desired['$version'];
    const patchedMeanwhile = this.patchedWhileGetting.has(clientId);
    if (!this.getting.has(clientId)) this.patchedWhileGetting.delete(clientId);
    const keep = patchedMeanwhile && cached !== undefined && typeof got === 'number' && typeof have === 'number' && have > got;
    const desired = keep ? cached.desired : (doc.desired as JsonObject);
    this.o.state.putTwin(clientId, desired, reported);
    return { desired, reported };
  }
}

function parsePatch(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (cause) {
    throw new VergeError('TWIN_PATCH_INVALID', `reported properties patch is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Applies a merge patch to a twin section, keeping the section's `$version` (and `$metadata`) as they were. */
function mergeKeepingVersion(section: JsonObject, patch: JsonObject): JsonObject {
  const merged = applyMergePatch(section, patch) as JsonObject;
  if (section['$version'] !== undefined) merged['$version'] = section['$version'];
  return merged;
}
