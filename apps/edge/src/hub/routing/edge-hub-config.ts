import type { ReadinessSignal } from '@verge/contracts';
import { applyMergePatch, type JsonObject, type LastDesiredStatus } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { HubState } from '../state/hub-state.js';
import type { UpstreamLink } from '../upstream/upstream-link.js';
import { evaluateEdgeHubDesired } from './edge-hub-desired.js';
import type { RouteSnapshot, RouteTable } from './route-table.js';

/** Options of {@link EdgeHubConfigWatcher}. */
export interface EdgeHubConfigWatcherOptions {
  readonly state: HubState;
  readonly table: RouteTable;
  /** TTL when the desired properties give none (schema 1.0 without storeAndForwardConfiguration). */
  readonly defaultTtlSecs: number;
  /** A new table is in force (create its pumps). */
  readonly applied: (snapshot: RouteSnapshot) => void;
  readonly log: Logger;
  readonly cloudTimeoutMs: number;
}

/** `$edgeHub` reported properties the hub maintains (reference azure-iot-edge.md §1.4, §2.2 codes). */
export interface EdgeHubReported {
  readonly schemaVersion: '1.0';
  readonly lastDesiredVersion: number;
  readonly lastDesiredStatus: LastDesiredStatus;
}

/**
 * Keeps the route table in step with the `$edgeHub` module twin (read through the device-client as module
 * `$edgeHub`): a full GET whenever the link connects, desired patches as they come (a `$version` gap triggers a
 * full GET). Each new desired document is evaluated as a whole; if it is valid its routes are swapped in by
 * reference and the document is saved (so a restart while offline routes at once); if not, the old table keeps
 * serving and `lastDesiredStatus` reports the 400 with the fault paths. The status is reported upstream, and again
 * after a reconnect when it could not be sent.
 */
export class EdgeHubConfigWatcher {
  private link: UpstreamLink | undefined;
  private desired: JsonObject | undefined;
  private unreported: EdgeHubReported | undefined;
  private loading = false;
  private reload = false;
  /** A desired patch was applied while the GET was in flight: its answer may be older than what is in force. */
  private patchedWhileLoading = false;
  /** Callers of `whenConfigured` waiting for the next twin read that starts after they asked. */
  private nextLoadWaiters: (() => void)[] = [];
  private firstTable: (() => void) | undefined;
  private readonly hasTable: Promise<void>;

  constructor(private readonly o: EdgeHubConfigWatcherOptions) {
    this.hasTable = new Promise((resolve) => (this.firstTable = resolve));
  }

  /**
   * Resolves once the hub is configured for the deployment in force (issue 7, the agent starts modules only then,
   * as edgeAgent starts edgeHub first): a route table is in force (from the twin or the cached configuration) and,
   * while the cloud is reachable, the twin has been read again since the call, so routes deployed together with
   * the module are in force before it starts. Offline, the cached table is the best there is. Rejects when `signal`
   * aborts.
   */
  async whenConfigured(signal: ReadinessSignal): Promise<void> {
    await untilAborted(this.hasTable, signal);
    if (this.link?.connected !== true) return;
    const fresh = new Promise<void>((resolve) => this.nextLoadWaiters.push(resolve));
    void this.loadTwin();
    await untilAborted(fresh, signal);
  }

  /** Applies the saved desired properties, so the hub routes at once, also when it starts offline. */
  start(): void {
    const saved = this.o.state.edgeHubDesired();
    if (saved === undefined) return;
    const result = this.apply(saved, false);
    this.o.log.info({ ok: result, version: saved['$version'] }, 'routes restored from the last valid $edgeHub desired properties');
  }

  /** Follows the twin over the `$edgeHub` module's upstream link (the hub's own identity; a new link replaces the old). */
  attach(link: UpstreamLink): void {
    this.link = link;
    link.setDesiredListener((patch, version) => {
      if (this.link === link) this.onPatch(patch, version);
    });
    if (link.connected) this.connected();
  }

  /** The link (re)connected: load the whole twin (patches missed while offline are not replayed). */
  connected(): void {
    void this.loadTwin();
  }

  private async loadTwin(): Promise<void> {
    const link = this.link;
    if (link === undefined) return;
    if (this.loading) {
      this.reload = true; // something changed while the GET was in flight: read again after it
      return;
    }
    this.loading = true;
    this.reload = false;
    this.patchedWhileLoading = false;
    const waiters = this.nextLoadWaiters.splice(0);
    try {
      const doc = await link.current.getTwin({ timeoutMs: this.o.cloudTimeoutMs });
      const desired = doc.desired as JsonObject;
      if (this.desired === undefined || (this.desired['$version'] !== desired['$version'] && !this.olderThanPatched(desired))) this.apply(desired, true);
      await this.flushReport();
    } catch (err) {
      this.o.log.warn({ err }, 'could not read the $edgeHub twin; the current routes stay in force');
    } finally {
      this.loading = false;
      for (const resolve of waiters) resolve();
      if (this.reload || this.nextLoadWaiters.length > 0) void this.loadTwin();
    }
  }

  /**
   * True when a GET answered with a document older than a patch applied while the GET was in flight: the patch is
   * newer, keep it. The cloud sends the patch after the GET's answer, but the device client calls desired listeners
   * as it reads a frame and settles the GET's promise for later, so a patch read together with the answer is applied
   * first. Only then: a twin whose version went back for another reason (the identity was made anew) is still taken.
   */
  private olderThanPatched(desired: JsonObject): boolean {
    const got = desired['$version'];
    const have = this.desired?.['$version'];
    return this.patchedWhileLoading && typeof got === 'number' && typeof have === 'number' && got < have;
  }

  private onPatch(patch: Record<string, unknown>, version: number | undefined): void {
    const current = this.desired;
    const previous = current?.['$version'];
    if (current === undefined || version === undefined || typeof previous !== 'number' || version !== previous + 1) {
      void this.loadTwin(); // a gap (or nothing to patch): read the whole document
      return;
    }
    const body = { ...patch } as JsonObject;
    delete body['$version'];
    if (this.loading) this.patchedWhileLoading = true;
    this.apply({ ...(applyMergePatch(current, body) as JsonObject), $version: version }, true);
  }

  /** Evaluates a whole desired document; returns whether its routes are now in force. */
  private apply(desired: JsonObject, report: boolean): boolean {
    this.desired = desired;
    const version = typeof desired['$version'] === 'number' ? desired['$version'] : 0;
    const outcome = evaluateEdgeHubDesired(desired);
    if (outcome.ok) {
      const snapshot: RouteSnapshot = {
        routes: outcome.routes,
        defaultTtlSecs: outcome.config.storeAndForward?.timeToLiveSecs ?? this.o.defaultTtlSecs,
        desiredVersion: version,
      };
      this.o.table.swap(snapshot);
      this.o.state.saveEdgeHubDesired(desired);
      this.o.applied(snapshot);
      this.firstTable?.();
      this.o.log.info({ version, routes: outcome.routes.length, ttlSecs: snapshot.defaultTtlSecs }, 'routes updated from $edgeHub desired properties');
    } else {
      this.o.log.warn({ version, faults: outcome.faults.map((f) => f.message) }, '$edgeHub desired properties refused; the previous routes stay in force');
    }
    if (report) {
      this.unreported = { schemaVersion: '1.0', lastDesiredVersion: version, lastDesiredStatus: outcome.ok ? { code: 200, description: '' } : outcome.status };
      void this.flushReport();
    }
    return outcome.ok;
  }

  private async flushReport(): Promise<void> {
    const report = this.unreported;
    const link = this.link;
    if (report === undefined || link === undefined || !link.connected) return;
    try {
      await link.current.patchReported({ ...report }, { timeoutMs: this.o.cloudTimeoutMs });
      if (this.unreported === report) this.unreported = undefined;
    } catch (err) {
      this.o.log.info({ err }, 'could not report the $edgeHub status yet; retrying after the next reconnect');
    }
  }
}

function untilAborted<T>(promise: Promise<T>, signal: ReadinessSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
