import { clientIdOf, type IotHubBackend } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import { EDGE_RUNTIME_VERSION, type RuntimeVersion } from '../../runtime-version.js';
import type { UpstreamLink } from '../upstream/upstream-link.js';

/** One entry of `$edgeHub` reported `clients` (edgeHub's `DeviceConnectionStatus`; reference §2.1, §11). */
export interface ReportedClientStatus {
  readonly status: 'Connected' | 'Disconnected';
  /** ISO-8601 UTC; absent until the client first connected while this hub ran. */
  readonly lastConnectedTimeUtc?: string;
  readonly lastDisconnectedTimeUtc?: string;
}

/** Options of {@link EdgeHubStatusReporter}. */
export interface EdgeHubStatusReporterOptions {
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Timeout of one upstream patch. */
  readonly cloudTimeoutMs: number;
  /** Changes within this window go up as one patch (a restart reconnects every module at once). Default 250 ms. */
  readonly flushDelayMs?: number;
  /** Reported `version`; default the edge runtime's. */
  readonly version?: RuntimeVersion;
}

type ClientPatch = Record<string, ReportedClientStatus | null>;

// Twin keys may not contain '.', '$' or a space (reference §1 twin rules): a client whose id has one cannot be
// reported under its id (a patch holding it would be refused as a whole), so it is left out.
const UNREPORTABLE_KEY = { test: (key: string): boolean => /[.$ ]/.test(key) || [...key].some((ch) => isControl(ch.codePointAt(0) ?? 0)) };

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * The parts of `$edgeHub`'s reported properties that Azure tools read besides `lastDesired*` (which the route
 * watcher reports): `version` and `clients.{deviceId[/moduleId]}` with `status`, `lastConnectedTimeUtc` and
 * `lastDisconnectedTimeUtc`, as edgeHub reports them. Modules stay listed as `Disconnected` when they disconnect;
 * leaf devices appear only while connected (edgeHub deletes them). The first report after the hub starts replaces
 * the whole `clients` map, so clients of an earlier run are not shown connected. Reports go over the hub's own
 * `$edgeHub` link; what could not be sent goes after its next connect.
 */
export class EdgeHubStatusReporter {
  private readonly clients = new Map<string, ReportedClientStatus>();
  private readonly dirty = new Set<string>();
  private link: UpstreamLink | undefined;
  private resetSent = false;
  private versionSent = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: EdgeHubStatusReporterOptions) {}

  /** The clients as they will be (or were) reported. */
  snapshot(): Record<string, ReportedClientStatus> {
    return Object.fromEntries(this.clients);
  }

  /** A module or leaf device connected to the hub (CONNACK accepted). */
  clientConnected(id: ClientIdentity): void {
    const key = clientIdOf(id);
    const previous = this.clients.get(key);
    this.update(key, { ...previous, status: 'Connected', lastConnectedTimeUtc: this.isoNow() });
  }

  /** The client's connection closed (a connection replaced by a newer one of the same client is not a disconnect). */
  clientDisconnected(id: ClientIdentity): void {
    const key = clientIdOf(id);
    const previous = this.clients.get(key);
    if (id.moduleId === undefined) {
      this.clients.delete(key);
      this.markDirty(key);
      return;
    }
    this.update(key, { ...previous, status: 'Disconnected', lastDisconnectedTimeUtc: this.isoNow() });
  }

  /** The `$edgeHub` link to report over (a new probe link replaces the old). */
  attach(link: UpstreamLink): void {
    this.link = link;
    this.schedule(0);
  }

  /** The `$edgeHub` link (re)connected: send whatever is unreported. */
  linkConnected(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private update(key: string, entry: ReportedClientStatus): void {
    this.clients.set(key, entry);
    this.markDirty(key);
  }

  private markDirty(key: string): void {
    if (UNREPORTABLE_KEY.test(key)) return;
    this.dirty.add(key);
    this.schedule(this.o.flushDelayMs ?? 250);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.flushing !== undefined) {
      await this.flushing;
      if (this.dirty.size > 0 || !this.versionSent) this.schedule(0);
      return;
    }
    this.flushing = this.send().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async send(): Promise<void> {
    const link = this.link;
    if (this.stopped || link === undefined || !link.connected) return; // linkConnected() brings us back
    try {
      if (!this.resetSent) {
        await link.current.patchReported({ clients: null }, { timeoutMs: this.o.cloudTimeoutMs });
        this.resetSent = true;
        for (const key of this.clients.keys()) if (!UNREPORTABLE_KEY.test(key)) this.dirty.add(key);
      }
      const keys = [...this.dirty];
      const clients: ClientPatch = {};
      for (const key of keys) clients[key] = this.clients.get(key) ?? null;
      const patch: Record<string, unknown> = keys.length === 0 ? {} : { clients };
      if (!this.versionSent) patch['version'] = { ...(this.o.version ?? EDGE_RUNTIME_VERSION) };
      if (Object.keys(patch).length === 0) return;
      await link.current.patchReported(patch, { timeoutMs: this.o.cloudTimeoutMs });
      this.versionSent = true;
      // An entry that changed while the patch was in flight stays dirty: its newer value goes next.
      for (const key of keys) if (sameEntry(this.clients.get(key), clients[key] ?? undefined)) this.dirty.delete(key);
      if (this.dirty.size > 0) this.schedule(0);
    } catch (err) {
      this.o.log.info({ err }, 'could not report the edge hub clients yet; retrying after the next reconnect');
    }
  }

  private isoNow(): string {
    return new Date(this.o.nowMs()).toISOString();
  }
}

/**
 * The hub's MQTT backend with client presence reported: `connected`/`disconnected` also go to `reporter` (after the
 * backend's own work; a reporter failure never affects the connection).
 */
export function withClientPresence(backend: IotHubBackend, reporter: EdgeHubStatusReporter): IotHubBackend {
  // Delegation through the prototype chain keeps every other hook (and `this`) of a class-based backend intact.
  const wrapped = Object.create(backend) as IotHubBackend;
  wrapped.connected = (session, sessionPresent) => {
    backend.connected?.(session, sessionPresent);
    reporter.clientConnected(session.identity);
  };
  wrapped.disconnected = (session) => {
    backend.disconnected?.(session);
    reporter.clientDisconnected(session.identity);
  };
  return wrapped;
}

function sameEntry(a: ReportedClientStatus | undefined, b: ReportedClientStatus | undefined): boolean {
  return a?.status === b?.status && a?.lastConnectedTimeUtc === b?.lastConnectedTimeUtc && a?.lastDisconnectedTimeUtc === b?.lastDisconnectedTimeUtc;
}
