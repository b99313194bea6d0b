import type { MqttConnection } from '@verge/iothub-mqtt';

/** How a QoS 1 delivery to a local client ended. */
export type LocalDeliveryResult = 'acked' | 'closed' | 'aborted' | 'busy';

interface Waiting {
  readonly conn: MqttConnection;
  readonly settle: (r: LocalDeliveryResult) => void;
}

/**
 * QoS 1 publishes from the hub to its clients (module inputs, C2D to leaves) waiting for the client's PUBACK
 * (reference §5.3: the module must PUBACK; the hub waits `MessageAckTimeoutSecs`). A delivery settles on the PUBACK,
 * when the client's connection closes, or when the caller aborts or cancels it; never twice. A client whose
 * subscription was granted QoS 0 gets the publish with QoS 0 (never above the granted QoS, MQTT-3.8.4-6): it settles
 * `acked` once written, as it will never be acknowledged (at most once, as IoT Hub's MQTT gateway does).
 */
export class AckTracker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly byConnection = new Map<MqttConnection, Set<string>>();
  private seq = 0;

  /** Publishes `payload` with QoS `qos` (1 unless the subscription was granted 0) on `conn` and resolves with how it ended. */
  deliver(conn: MqttConnection, topic: string, payload: Buffer, signal: AbortSignal, qos: 0 | 1 = 1): Promise<LocalDeliveryResult> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise<LocalDeliveryResult>((resolve) => {
      // `done` never runs synchronously inside `publish`, so `onAbort` exists by the time it does.
      const sent = this.publish(
        conn,
        topic,
        payload,
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        qos,
      );
      if (sent === 'busy' || sent === 'closed') return resolve(sent);
      const onAbort = (): void => this.cancel(sent);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Publishes `payload` with QoS 1 (or `qos` 0, settled once written) on `conn` without waiting: returns the delivery's tag (`done` is called once, later,
   * with how it ended; `cancel(tag)` ends it early), or at once `busy` (the client has `maxInflightToClient`
   * unacknowledged publishes) or `closed` (then `done` is never called). One abort listener per window of
   * deliveries instead of one per message is what the module input sender needs (issue 8).
   */
  publish(conn: MqttConnection, topic: string, payload: Buffer, done: (r: LocalDeliveryResult) => void, qos: 0 | 1 = 1): string | 'busy' | 'closed' {
    const tag = `d${++this.seq}`;
    if (qos === 0) {
      if (!conn.publish0(topic, payload)) return 'closed';
      queueMicrotask(() => done('acked')); // never inside `publish` (see `deliver`)
      return tag;
    }
    const packetId = conn.publish1(topic, payload, tag);
    if (packetId === undefined) return conn.isOpen ? 'busy' : 'closed';
    this.waiting.set(tag, { conn, settle: done });
    this.track(conn, tag);
    return tag;
  }

  /** The client acknowledged the publish sent with `tag`. */
  acked(tag: string): void {
    this.settle(tag, 'acked');
  }

  /** Stops waiting for `tag` (settles it `aborted`); a PUBACK arriving later is ignored. */
  cancel(tag: string): void {
    this.settle(tag, 'aborted');
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
