import type { Connection } from './connection.js';

/**
 * Every open socket with the two counts admission control needs: sockets not yet through CONNACK (TLS
 * handshake or waiting for CONNECT) and connected clients. Counts are kept incrementally (no scans per accept).
 */
export class ConnectionTable {
  private readonly open = new Set<Connection>();
  private readonly pendingSet = new Set<Connection>();
  private connectedCount = 0;
  private readonly waiters = new Set<() => void>();
  /** Sockets dropped by admission control since the last report. */
  refused = 0;

  add(conn: Connection): void {
    this.open.add(conn);
    this.pendingSet.add(conn);
  }

  /** Call after a packet was handled: moves a connection that just got CONNACK 0 out of the pending set. */
  promoteIfConnected(conn: Connection): void {
    if (conn.state === 'connected' && this.pendingSet.delete(conn)) this.connectedCount += 1;
  }

  /** Removes a closed connection; returns whether it had been connected. */
  remove(conn: Connection): boolean {
    if (!this.open.delete(conn)) return false;
    const wasPending = this.pendingSet.delete(conn);
    if (!wasPending) this.connectedCount -= 1;
    if (this.open.size === 0) for (const w of this.waiters) w();
    return !wasPending;
  }

  get pending(): number {
    return this.pendingSet.size;
  }

  get connected(): number {
    return this.connectedCount;
  }

  get size(): number {
    return this.open.size;
  }

  values(): IterableIterator<Connection> {
    return this.open.values();
  }

  /** Resolves once no connection is open. */
  async drained(): Promise<void> {
    if (this.open.size === 0) return;
    await new Promise<void>((resolve) => {
      const w = (): void => {
        this.waiters.delete(w);
        resolve();
      };
      this.waiters.add(w);
    });
  }
}
