import type { Logger } from '@verge/platform';
import type { HubState } from '../state/hub-state.js';
import type { DeviceScopeSource, ScopeIdentity } from './scope-identity.js';

/** Options of {@link DeviceScope}. */
export interface DeviceScopeOptions {
  readonly state: HubState;
  /** Undefined: no cloud source (leaves authenticate from whatever the cache holds). */
  readonly source: DeviceScopeSource | undefined;
  readonly edgeDeviceId: string;
  /** Full refresh period (iotedge DeviceScopeCacheRefreshRateSecs, 3600 s). */
  readonly refreshMs: number;
  /** Retry period after a failed sync. */
  readonly retryMs: number;
  /** The least time between on-demand syncs (a refused login, a credential the cloud refused). */
  readonly onDemandMinMs: number;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Called after a sync changed the scope, with the ids whose record changed or went away. */
  readonly changed?: (deviceIds: readonly string[]) => void;
  /** Called after a sync that changed anything (a leaf added, changed or gone): credentials upstream may work now. */
  readonly updated?: () => void;
}

/**
 * The edge device's scope: its leaf devices with their credentials, synced from the cloud and cached in the hub's
 * SQLite, so leaves authenticate while the cloud is unreachable (reference azure-iot-edge.md §11.1, §11.3). Reads
 * are from memory. A sync replaces the whole cache atomically; a failed sync keeps the old cache and retries. An
 * unknown device trying to connect, or a credential the cloud refused, triggers an early sync (`requestSync`, at
 * most once per `onDemandMinMs`): a leaf created a moment ago gets in on a later attempt, a rotated key stops working.
 */
export class DeviceScope {
  private byId = new Map<string, ScopeIdentity>();
  private timer: NodeJS.Timeout | undefined;
  /** An on-demand sync waiting for the end of the `onDemandMinMs` interval. */
  private deferred: NodeJS.Timeout | undefined;
  private syncing: Promise<boolean> | undefined;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  private lastOk = false;
  private stopped = false;

  constructor(private readonly o: DeviceScopeOptions) {}

  /** Loads the cache and starts syncing (the first sync runs in the background). */
  start(): void {
    this.byId = new Map(this.o.state.scopeIdentities().map((d) => [d.deviceId, d]));
    this.o.log.info({ cached: this.byId.size, syncedAtMs: this.o.state.scopeSyncedAtMs() }, 'device scope loaded from the cache');
    void this.sync();
  }

  get(deviceId: string): ScopeIdentity | undefined {
    return this.byId.get(deviceId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** True while a sync runs or an on-demand one waits for the end of the `onDemandMinMs` interval. */
  get syncPending(): boolean {
    return this.syncing !== undefined || this.deferred !== undefined;
  }

  /** True when the last sync attempt succeeded. */
  get upToDate(): boolean {
    return this.lastOk;
  }

  /**
   * Something suggests the cached scope is stale (issue 7): a leaf login was refused (unknown device, or a key the
   * cache does not hold yet), or the cloud refused a leaf's credential (keys rotated, device disabled). Syncs now,
   * at most once per `onDemandMinMs`, so a rotated key stops working at the hub and a new leaf gets in promptly
   * instead of after the hourly refresh. A request inside that interval (or during a sync) is not dropped: one
   * sync is scheduled for when the interval ends, so the request that matters (e.g. the leaf's login with its
   * new key, moments after the sync that learnt it was disabled) is still answered within `onDemandMinMs`.
   */
  requestSync(reason: string): void {
    if (this.stopped || this.deferred !== undefined) return;
    // Never more than one interval: after the wall clock jumped back, `lastAttemptMs` lies in the future and the
    // difference would defer the sync by the hours the clock went back (issue 7, clock jumps).
    const waitMs = this.syncing !== undefined ? this.o.onDemandMinMs : Math.min(this.o.onDemandMinMs, this.lastAttemptMs + this.o.onDemandMinMs - this.o.nowMs());
    if (waitMs <= 0) {
      this.o.log.info({ reason }, 'device scope sync requested');
      void this.sync();
      return;
    }
    this.o.log.debug({ reason, inMs: waitMs }, 'device scope sync requested; deferred (at most one on-demand sync per interval)');
    this.deferred = setTimeout(() => {
      this.deferred = undefined;
      this.o.log.info({ reason }, 'device scope sync requested');
      void this.sync();
    }, waitMs);
    this.deferred.unref();
  }

  /** The cloud became reachable: sync now when the last attempt failed. */
  online(): void {
    if (!this.lastOk) void this.sync();
  }

  /** Syncs now (joining a sync in progress); resolves whether it succeeded. */
  sync(): Promise<boolean> {
    this.syncing ??= this.runSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deferred);
  }

  private async runSync(): Promise<boolean> {
    const source = this.o.source;
    if (source === undefined || this.stopped) return false;
    this.lastAttemptMs = this.o.nowMs();
    try {
      const snapshot = await source.fetch(AbortSignal.timeout(30_000));
      if (this.stopped) return false;
      const devices = snapshot.devices.filter((d) => d.deviceId !== this.o.edgeDeviceId);
      const changed = diffIds(this.byId, devices);
      const added = devices.some((d) => !this.byId.has(d.deviceId));
      this.o.state.replaceScope(devices);
      this.byId = new Map(devices.map((d) => [d.deviceId, d]));
      this.lastOk = true;
      this.o.log.info({ devices: devices.length, changed: changed.length }, 'device scope synced from the cloud');
      if (changed.length > 0) this.o.changed?.(changed);
      if (changed.length > 0 || added) this.o.updated?.();
      this.schedule(this.o.refreshMs);
      return true;
    } catch (err) {
      this.lastOk = false;
      this.o.log.warn({ err, cached: this.byId.size }, 'device scope sync failed (HUB_SCOPE_SYNC_FAILED); leaves authenticate from the cached scope');
      this.schedule(this.o.retryMs);
      return false;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sync(), ms);
    this.timer.unref();
  }
}

/** Ids whose record differs between the old map and the new list (added ones excluded: nobody is connected as them). */
function diffIds(before: ReadonlyMap<string, ScopeIdentity>, after: readonly ScopeIdentity[]): string[] {
  const next = new Map(after.map((d) => [d.deviceId, JSON.stringify(d)]));
  const out: string[] = [];
  for (const [id, old] of before) if (next.get(id) !== JSON.stringify(old)) out.push(id);
  return out;
}
