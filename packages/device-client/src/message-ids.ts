/**
 * Packet identifiers of one connection (MQTT-2.3.1-2: unique among unacknowledged packets), shared by mqtt.js
 * (subscriptions, given to it as `messageIdProvider`) and the device client's own QoS 1 PUBLISH writer, so the two
 * never hand out the same identifier at once. Sequential from 1, wrapping at 65,535, skipping identifiers in use.
 */
export class MessageIds {
  private readonly inUse = new Set<number>();
  private next = 1;
  private last = 0;

  /** A free identifier, now in use; throws when all 65,535 are (callers keep far fewer in flight). */
  allocate(): number {
    for (let tries = 0; tries < 65_535; tries++) {
      const id = this.next;
      this.next = id === 65_535 ? 1 : id + 1;
      if (!this.inUse.has(id)) {
        this.inUse.add(id);
        this.last = id;
        return id;
      }
    }
    throw new RangeError('every MQTT packet identifier is in use');
  }

  getLastAllocated(): number {
    return this.last;
  }

  /** Marks `id` in use (mqtt.js, for packets it resends from its store); false when it already was. */
  register(id: number): boolean {
    if (this.inUse.has(id)) return false;
    this.inUse.add(id);
    return true;
  }

  deallocate(id: number): void {
    this.inUse.delete(id);
  }

  clear(): void {
    this.inUse.clear();
  }

  get size(): number {
    return this.inUse.size;
  }
}
