import type { MqttConnection } from '@verge/platform';

/** How a QoS 1 delivery to a local client ended. */
export type LocalDeliveryResult = 'acked' | 'closed' | 'aborted' | 'busy';

interface Waiting {
  readonly conn: MqttConnection;
  readonly settle: (r: LocalDeliveryResult) => void;
}

/**
 * QoS 1 publishes from the hub to its clients (module inputs, C2D to leaves) waiting for the client's PUBACK
 * (reference §5.3: the module must PUBACK; the hub waits `MessageAckTimeoutSecs`). A delivery settles on the PUBACK,
 * when the client's connection closes, or when the caller aborts; never twice.
 */
export class AckTracker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly byConnection = new Map<MqttConnection, Set<string>>();
  private seq = 0;

  /** Publishes `payload` with QoS 1 on `conn` and resolves with how it ended. */
  deliver(conn: MqttConnection, topic: string, payload: Buffer, signal: AbortSignal): Promise<LocalDeliveryResult> {
    if (signal.aborted) return Promise.resolve('aborted');
    const tag = `d${++this.seq}`;
    const packetId = conn.publish1(topic, payload, tag);
    if (packetId === undefined) return Promise.resolve(conn.isOpen ? 'busy' : 'closed');
    return new Promise<LocalDeliveryResult>((resolve) => {
      const onAbort = (): void => this.settle(tag, 'aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(tag, {
        conn,
        settle: (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
      });
      this.track(conn, tag);
    });
  }

  /** The client acknowledged the publish sent with `tag`. */
  acked(tag: string): void {
    this.settle(tag, 'acked');
  }

  /** Deliveries still waiting. */
  get size(): number {
    return this.waiting.size;
  }

  private track(conn: MqttConnection, tag: string): void {
    let tags = this.byConnection.get(conn);
    if (tags === undefined) {
      tags = new Set();
      this.byConnection.set(conn, tags);
      conn.onClose(() => {
        const open = this.byConnection.get(conn);
        this.byConnection.delete(conn);
        for (const t of open ?? []) this.settle(t, 'closed');
      });
    }
    tags.add(tag);
  }

  private settle(tag: string, result: LocalDeliveryResult): void {
    const w = this.waiting.get(tag);
    if (w === undefined) return;
    this.waiting.delete(tag);
    // The (possibly empty) set stays until the connection closes: one close listener per connection, not per publish.
    this.byConnection.get(w.conn)?.delete(tag);
    w.settle(result);
  }
}
