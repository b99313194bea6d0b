import type { ConnectedEvent, DeviceClientCredential } from '@verge/device-client';
import { clientIdOf } from '@verge/iothub-mqtt';
import { type Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import { UpstreamLink, type UpstreamClientFactory } from './upstream-link.js';

/** The credential the hub uses upstream for an identity, or why it has none. */
export type UpstreamCredential =
  | { readonly ok: true; readonly credential: DeviceClientCredential; readonly key: string }
  | { readonly ok: false; readonly reason: string };

/** Options of {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  readonly credentialFor: (id: ClientIdentity) => UpstreamCredential;
  readonly factory: UpstreamClientFactory;
  /** The identity whose link is always open and tells whether the cloud is reachable (`$edgeHub`). */
  readonly probe: ClientIdentity;
  /** A factory for the probe (fast reconnect); default `factory`. */
  readonly probeFactory?: UpstreamClientFactory;
  /** A link used only to send stored messages is closed after this long unused (iotedge CloudConnectionIdleTimeoutSecs). */
  readonly idleTimeoutMs: number;
  /**
   * A link whose local client disconnected is closed after this long unused (as edgeHub closes a client's cloud
   * connection when the client goes): the cloud then sees the identity offline (methods answer 404, C2D waits).
   * The grace rides out the SDK's reconnect on SAS renewal.
   */
  readonly releaseGraceMs: number;
  readonly onConnected: (link: UpstreamLink, event: ConnectedEvent) => void;
  /** The cloud refused a link's credential (e.g. a leaf's keys were rotated): refresh what the credential came from. */
  readonly onRefused?: (link: UpstreamLink, reason: string) => void;
  /** A (new) probe link exists: attach what listens on the hub's own twin. */
  readonly probeReady: (link: UpstreamLink) => void;
  readonly log: Logger;
  readonly nowMs: () => number;
  /**
   * How long a connected link's credential is trusted by {@link UpstreamPool.forSending} before it is looked up again
   * (default 1 s): the lookup derives the module key and asks the agent for the generation, too costly per send.
   */
  readonly credentialRecheckMs?: number;
}

// How long the hub may lack a credential for itself before that is logged as an error (the agent learns `$edgeHub`'s
// identity from the cloud, or its cache, within seconds of a start).
const PROBE_CREDENTIAL_GRACE_MS = 60_000;

/**
 * The hub's upstream links, one per identity, opened on demand (a local client connects, a message of that
 * identity must go up) and closed when unused. The probe link (`$edgeHub`) stays open and reconnects quickly; the
 * moment it connects after an outage every other link that waits in its backoff is kicked to dial at once, so the
 * store drains within about a second of the cloud's return instead of after each link's backoff.
 */
export class UpstreamPool {
  private readonly links = new Map<string, UpstreamLink>();
  private probeLink: UpstreamLink | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  // Since when the hub has had no credential for itself, and whether that was escalated to an error.
  private probeMissingSinceMs: number | undefined;
  private probeMissingEscalated = false;

  constructor(private readonly o: UpstreamPoolOptions) {}

  /**
   * Opens the probe link and starts the sweep, which closes idle links and, while the hub has no credential for
   * its own identity (the agent does not know `$edgeHub`'s generation yet), retries opening the probe.
   */
  start(): void {
    this.ensureProbe();
    this.sweeper = setInterval(() => this.sweep(), 1_000);
    this.sweeper.unref();
  }

  /** True while the probe link is connected: the cloud is reachable. */
  get online(): boolean {
    return this.probeLink?.connected === true;
  }

  /** The probe link, when the hub has a credential for its own identity. */
  get probe(): UpstreamLink | undefined {
    return this.probeLink;
  }

  /** The link of an identity if it is open. */
  get(id: ClientIdentity): UpstreamLink | undefined {
    return this.links.get(clientIdOf(id));
  }

  /**
   * The link of an identity, opened (and started) when needed; undefined when the hub has no credential for it
   * (`credentialFor` says why; logged once per link attempt). A link made with an outdated credential (the module
   * was redeployed with a new generation) is replaced.
   */
  acquire(id: ClientIdentity): UpstreamLink | undefined {
    if (this.closed) return undefined;
    const clientId = clientIdOf(id);
    const cred = this.o.credentialFor(id);
    const existing = this.links.get(clientId);
    if (!cred.ok) {
      if (existing !== undefined) this.drop(existing, `no upstream credential any more: ${cred.reason}`);
      return undefined;
    }
    if (existing !== undefined && existing.credentialKey === cred.key) {
      existing.lastUsedMs = existing.credentialCheckedMs = this.o.nowMs();
      return existing;
    }
    if (existing !== undefined) this.drop(existing, 'its credential changed');
    const isProbe = clientId === clientIdOf(this.o.probe);
    const link = new UpstreamLink(id, cred.key, cred.credential, isProbe ? (this.o.probeFactory ?? this.o.factory) : this.o.factory, {
      connected: (l, e) => this.linkConnected(l, e),
      disconnected: (l) => this.o.log.debug({ client: l.clientId }, 'upstream link disconnected'),
      refused: (l, reason) => {
        // Once a minute per link and reason (the link retries with its backoff meanwhile), not once per attempt.
        const held = l.refusalWarning.next(reason, this.o.nowMs());
        if (held === undefined) this.o.log.debug({ client: l.clientId, reason }, 'the cloud refused the credential of an upstream link');
        else this.o.log.warn({ client: l.clientId, reason, ...(held > 0 ? { suppressedSinceLast: held } : {}) }, 'the cloud refused the credential of an upstream link');
        this.o.onRefused?.(l, reason);
      },
    }, this.o.nowMs());
    if (existing !== undefined) {
      link.holders = existing.holders;
      link.everHeld = existing.everHeld;
    }
    this.links.set(clientId, link);
    link.start();
    if (isProbe) {
      if (existing === undefined) link.holders += 1; // the probe is always held open
      this.probeLink = link;
      this.o.probeReady(link);
    }
    return link;
  }

  /**
   * The link to send an identity's stored messages over: as `acquire`, except that a connected link whose credential
   * was looked up less than `credentialRecheckMs` ago is used as it is (a redeployed module's new key is picked up
   * within that time; messages sent meanwhile go over the old link, which the cloud accepted until now).
   */
  forSending(id: ClientIdentity): UpstreamLink | undefined {
    const existing = this.links.get(clientIdOf(id));
    if (existing !== undefined && existing.connected && !this.closed) {
      const now = this.o.nowMs();
      // A clock that went back re-checks at once.
      if (now >= existing.credentialCheckedMs && now - existing.credentialCheckedMs < (this.o.credentialRecheckMs ?? 1_000)) {
        existing.lastUsedMs = now;
        return existing;
      }
    }
    return this.acquire(id);
  }

  /** Why the hub has no upstream credential for an identity (undefined: it has one). */
  credentialProblem(id: ClientIdentity): string | undefined {
    const cred = this.o.credentialFor(id);
    return cred.ok ? undefined : cred.reason;
  }

  /** A local client holds its identity's link open while connected. */
  hold(id: ClientIdentity): UpstreamLink | undefined {
    const link = this.acquire(id);
    if (link !== undefined) {
      link.holders += 1;
      link.everHeld = true;
    }
    return link;
  }

  /** Ends one `hold`; the link closes after the idle timeout unless used. */
  release(id: ClientIdentity): void {
    const link = this.links.get(clientIdOf(id));
    if (link === undefined) return;
    link.holders = Math.max(0, link.holders - 1);
    link.lastUsedMs = this.o.nowMs();
  }

  /** Every open link. */
  all(): IterableIterator<UpstreamLink> {
    return this.links.values();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    const all = [...this.links.values()];
    this.links.clear();
    await Promise.allSettled(all.map((l) => l.close()));
  }

  private linkConnected(link: UpstreamLink, event: ConnectedEvent): void {
    if (link === this.probeLink && event.reason !== 'tokenRenewal') {
      // The cloud is reachable again: links waiting in their backoff dial now.
      for (const l of this.links.values()) if (l !== link) l.kick();
    }
    this.o.onConnected(link, event);
  }

  private ensureProbe(): void {
    if (this.probeLink !== undefined && this.links.get(this.probeLink.clientId) === this.probeLink) return;
    this.probeLink = undefined;
    const cred = this.o.credentialFor(this.o.probe);
    if (!cred.ok) {
      // Normal at every start until the agent has learnt `$edgeHub`'s identity (issue 7: not an error line on every
      // start); an error only once it lasts longer than PROBE_CREDENTIAL_GRACE_MS.
      const now = this.o.nowMs();
      if (this.probeMissingSinceMs === undefined) {
        this.probeMissingSinceMs = now;
        this.o.log.info({ identity: clientIdOf(this.o.probe), reason: cred.reason }, 'the edge hub waits for the agent to learn its identity before connecting upstream');
      } else if (!this.probeMissingEscalated && now - this.probeMissingSinceMs >= PROBE_CREDENTIAL_GRACE_MS) {
        this.probeMissingEscalated = true;
        this.o.log.error({ identity: clientIdOf(this.o.probe), reason: cred.reason, waitedMs: now - this.probeMissingSinceMs }, 'the edge hub has no upstream credential for itself: it cannot reach the cloud (routes, twins and telemetry stay local); retrying');
      }
      return;
    }
    this.probeMissingSinceMs = undefined;
    this.probeMissingEscalated = false;
    this.acquire(this.o.probe);
  }

  private sweep(): void {
    this.ensureProbe();
    const now = this.o.nowMs();
    for (const link of [...this.links.values()]) {
      const limit = link.everHeld ? this.o.releaseGraceMs : this.o.idleTimeoutMs;
      // A clock that went back would keep an idle link open until it caught up: count idleness from now instead.
      if (now < link.lastUsedMs) link.lastUsedMs = now;
      if (link.holders === 0 && now - link.lastUsedMs >= limit) this.drop(link, link.everHeld ? 'its client disconnected' : 'idle');
    }
  }

  private drop(link: UpstreamLink, why: string): void {
    if (this.links.get(link.clientId) === link) this.links.delete(link.clientId);
    this.o.log.debug({ client: link.clientId, why }, 'closing upstream link');
    void link.close().catch(() => undefined);
  }
}
