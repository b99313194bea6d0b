import type { ServerTls } from '@verge/iothub-mqtt';
import type { CertificateAuthority, Logger } from '@verge/platform';
import { issueHubServerCert, renewAtMs, tlsOf } from './server-cert.js';
import { reusableServerCert, writeCachedServerCert } from './server-cert-cache.js';

/** Longest single timer (setTimeout overflows past 2^31-1 ms). */
const MAX_TIMER_MS = 2_147_483_647;
/**
 * Shortest time between two renewals. A certificate never outlives the edge CA that issues it (its notAfter is
 * clamped to the CA's), so near the CA's expiry the renewal point of a fresh certificate is already close or past:
 * renewing again sooner cannot give a longer certificate and used to re-issue back to back (a CPU storm).
 */
const MIN_RENEWAL_INTERVAL_MS = 3_600_000;

/**
 * The hub's server certificate: issued from the edge CA at start, renewed when two thirds of its validity passed
 * (expired hub certificates break every module, iotedge #2706/#4895), and handed to the listener for new
 * connections. A failed renewal is retried hourly while the old certificate is still valid.
 */
export class CertRenewal {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly hostname: string,
    private readonly log: Logger,
    /** Where the certificate is kept between restarts (the hub's data directory); omitted → issued at every start. */
    private readonly cacheDir?: string,
  ) {}

  /**
   * The certificate to start with: the one stored by an earlier start while it is valid for the current edge CA
   * and host name and before its renewal point (no @peculiar/x509 is loaded then), else a new one.
   */
  async initial(): Promise<ServerTls & { renewAtMs: number }> {
    if (this.cacheDir !== undefined) {
      const cached = await reusableServerCert(this.cacheDir, this.ca, this.hostname, Date.now());
      if (cached !== undefined) {
        this.log.info({ hostname: this.hostname, notAfter: cached.notAfter.toISOString() }, 'edge hub server certificate reused from the data directory');
        return { ...tlsOf(cached), renewAtMs: renewAtMs(cached) };
      }
    }
    return this.issue();
  }

  /** Issues a certificate now (and stores it for the next start). */
  async issue(): Promise<ServerTls & { renewAtMs: number }> {
    const cert = await issueHubServerCert(this.ca, this.hostname);
    this.log.info({ hostname: this.hostname, notAfter: cert.notAfter.toISOString() }, 'edge hub server certificate issued');
    if (this.cacheDir !== undefined) {
      await writeCachedServerCert(this.cacheDir, cert).catch((err: unknown) => this.log.warn({ err }, 'the edge hub server certificate could not be stored; the next start issues a new one'));
    }
    return { ...tlsOf(cert), renewAtMs: renewAtMs(cert) };
  }

  /** Renews at `atMs` and hands the new material to `apply`, then schedules the next renewal. */
  schedule(atMs: number, apply: (tls: ServerTls) => void): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, atMs - Date.now()));
    this.timer = setTimeout(() => {
      if (Date.now() < atMs) return this.schedule(atMs, apply); // a long wait in several timers
      this.issue().then(
        (tls) => {
          apply(tls);
          this.schedule(this.nextRenewalAtMs(tls.renewAtMs), apply);
        },
        (err: unknown) => {
          this.log.error({ err }, 'edge hub server certificate renewal failed; retrying in an hour');
          this.schedule(Date.now() + 3_600_000, apply);
        },
      );
    }, delay);
    this.timer.unref();
  }

  private nextRenewalAtMs(renewAtMs: number): number {
    const earliest = Date.now() + MIN_RENEWAL_INTERVAL_MS;
    if (renewAtMs >= earliest) return renewAtMs;
    this.log.warn(
      { renewAt: new Date(renewAtMs).toISOString(), nextAttemptAt: new Date(earliest).toISOString() },
      'the edge hub server certificate cannot outlive the edge CA, which expires soon; restart the runtime to renew the edge CA',
    );
    return earliest;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
