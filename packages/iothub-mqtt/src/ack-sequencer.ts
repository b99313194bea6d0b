import type { Connection as MqttConnection } from './connection.js';

/** One inbound QoS 1 publish waiting for its PUBACK turn. */
export interface AckSlot {
  readonly messageId: number;
  state: 'pending' | 'ack' | 'skip' | 'close';
  reason?: string;
}

/**
 * Sends the PUBACKs of one connection's QoS 1 publishes in the order the publishes arrived (MQTT-4.6.0-2), though
 * the hub finishes them asynchronously and not necessarily in order (an unrouted message is done at once, a routed
 * one after the store committed it). A publish that is not acknowledged (`skip`) does not hold back later ones; a
 * refusal (`close`) closes the connection once every earlier publish got its PUBACK, so a client never resends
 * what the hub already stored because the refusal overtook the acknowledgements.
 */
export class AckSequencer {
  private readonly slots: AckSlot[] = [];
  private refused = false;

  constructor(private readonly conn: MqttConnection) {}

  /** True once a publish of this connection was refused: later publishes are not taken (per-sender order). */
  get refusing(): boolean {
    return this.refused;
  }

  /** Reserves the next PUBACK position; settle it with `ack`, `skip` or `close`. */
  reserve(messageId: number): AckSlot {
    const slot: AckSlot = { messageId, state: 'pending' };
    this.slots.push(slot);
    return slot;
  }

  ack(slot: AckSlot): void {
    slot.state = 'ack';
    this.flush();
  }

  skip(slot: AckSlot): void {
    slot.state = 'skip';
    this.flush();
  }

  /** Refuses this publish (no PUBACK) and closes the connection after the earlier PUBACKs went out. */
  close(slot: AckSlot, reason: string): void {
    this.refused = true;
    slot.state = 'close';
    slot.reason = reason;
    this.flush();
  }

  private flush(): void {
    while (this.slots[0] !== undefined && this.slots[0].state !== 'pending') {
      const slot = this.slots.shift() as AckSlot;
      if (slot.state === 'ack') this.conn.puback(slot.messageId);
      else if (slot.state === 'close') {
        this.slots.length = 0;
        this.conn.close(slot.reason ?? 'publish refused', true); // graceful: the PUBACKs just written go out first
        return;
      }
    }
  }
}

/** One sequencer per connection, created on first use and forgotten with the connection. */
export class AckSequencers {
  private readonly map = new WeakMap<MqttConnection, AckSequencer>();

  of(conn: MqttConnection): AckSequencer {
    let s = this.map.get(conn);
    if (s === undefined) {
      s = new AckSequencer(conn);
      this.map.set(conn, s);
    }
    return s;
  }
}
