import type { ConnectCredentials } from '@verge/iothub-mqtt';

/**
 * Tells which CONNECTs raced with a registry change. A change is applied to the sessions already open
 * (identity-watch.ts); a CONNECT whose registry lookup was still in flight then has no session yet, and its lookup
 * may have read the record from before the change (a key rotated, the device disabled or deleted): accepted on that,
 * it would keep the old credentials for as long as it stays connected. Such a CONNECT is checked again once open.
 */
export class ConnectRace {
  private changes = 0;
  private readonly started = new WeakMap<ConnectCredentials, number>();

  /** A registry change (or a bus outage, which may have hidden some) was seen. */
  changed(): void {
    this.changes += 1;
  }

  /** `credentials` start being authenticated. */
  authenticating(credentials: ConnectCredentials): void {
    this.started.set(credentials, this.changes);
  }

  /** True when a registry change was seen since `credentials` started being authenticated (or that is unknown). */
  changedSince(credentials: ConnectCredentials): boolean {
    const at = this.started.get(credentials);
    this.started.delete(credentials);
    return at !== this.changes;
  }
}
