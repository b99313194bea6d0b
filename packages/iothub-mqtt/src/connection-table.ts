import type { Connection } from './connection.js';

// Distinct addresses remembered per report of refused sockets (a flood from many addresses must not grow memory).
const MAX_REPORTED_ADDRESSES = 16;

/**
 * Every open socket with the counts admission control needs: sockets not yet through CONNACK (TLS handshake or
 * waiting for CONNECT) and connected clients, in total and per remote address (`Connection.address`). Counts are
 * kept incrementally (no scans per accept). A socket whose CONNECT is being decided asynchronously keeps its
 * pending slot after it closed, until the decision settles (`settled`): the backend's lookup still runs, so a
 * flood of CONNECTs that close at once cannot pile up lookups beyond `maxPendingHandshakes`.
 */
export class ConnectionTable {
  private readonly open = new Set<Connection>();
  private readonly pendingSet = new Set<Connection>();
  private connectedCount = 0;
  private readonly pendingByAddress = new Map<string, number>();
  private readonly connectedByAddress = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private refusedCount = 0;
  /** Of those, how many per address (at most MAX_REPORTED_ADDRESSES addresses; see `takeRefusals`). */
  private readonly refusedByAddress = new Map<string, number>();

  add(conn: Connection): void {
    this.open.add(conn);
    this.pendingSet.add(conn);
    bump(this.pendingByAddress, conn.address, 1);
  }

  /** Call after a packet was handled: moves a connection that just got CONNACK 0 out of the pending set. */
  promoteIfConnected(conn: Connection): void {
    if (conn.state === 'connected' && this.pendingSet.delete(conn)) {
      this.connectedCount += 1;
      bump(this.pendingByAddress, conn.address, -1);
      bump(this.connectedByAddress, conn.address, 1);
    }
  }

  /** Removes a closed connection; returns whether it had been connected. */
  remove(conn: Connection): boolean {
    if (!this.open.delete(conn)) return false;
    const wasPending = this.pendingSet.has(conn);
    if (wasPending) {
      if (conn.pendingConnect === undefined) this.release(conn);
    } else {
      this.connectedCount -= 1;
      bump(this.connectedByAddress, conn.address, -1);
    }
    if (this.open.size === 0) for (const w of this.waiters) w();
    return !wasPending;
  }

  /**
   * A CONNECT decided asynchronously settled: a connection that got CONNACK 0 moves to the connected ones; one that
   * closed meanwhile frees the pending slot it kept.
   */
  settled(conn: Connection): void {
    if (this.open.has(conn)) this.promoteIfConnected(conn);
    else if (this.pendingSet.has(conn)) this.release(conn);
  }

  private release(conn: Connection): void {
    this.pendingSet.delete(conn);
    bump(this.pendingByAddress, conn.address, -1);
  }

  /** Counts a socket refused by admission control. */
  recordRefusal(address: string): void {
    this.refusedCount += 1;
    if (this.refusedByAddress.has(address) || this.refusedByAddress.size < MAX_REPORTED_ADDRESSES) bump(this.refusedByAddress, address, 1);
  }

  /** The refusals since the last call (for one log line per sweep), and resets them. */
  takeRefusals(): { total: number; byAddress: Record<string, number> } {
    const report = { total: this.refusedCount, byAddress: Object.fromEntries(this.refusedByAddress) };
    this.refusedCount = 0;
    this.refusedByAddress.clear();
    return report;
  }

  /** Sockets dropped by admission control since the last report. */
  get refused(): number {
    return this.refusedCount;
  }

  get pending(): number {
    return this.pendingSet.size;
  }

  get connected(): number {
    return this.connectedCount;
  }

  /** Sockets from `address` not yet through CONNACK. */
  pendingFrom(address: string): number {
    return this.pendingByAddress.get(address) ?? 0;
  }

  /** Connected clients from `address`. */
  connectedFrom(address: string): number {
    return this.connectedByAddress.get(address) ?? 0;
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

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
