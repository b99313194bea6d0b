import { isVergeError } from '@verge/contracts';

/**
 * Holds a store's refusal (HUB_STORE_FULL, HUB_DISK_LOW) for the rest of the event-loop turn. A client pipelines
 * publishes: those parsed from the same network read as a refused one reach the store before the hub has seen the
 * refusal (it closes the connection in a microtask, and then takes nothing more from it). Without the latch one of
 * them could still fit (a smaller message, space just given back) and be stored without its PUBACK (the connection
 * closes first), so the client would send it again: a duplicate. Refused too, they are resent once, in order.
 * Retiring messages releases the latch at once: freed space is usable in the same turn.
 */
export class RefusalLatch {
  private held: Error | undefined;

  /** Throws the refusal held in this turn, if any. */
  check(): void {
    if (this.held !== undefined) throw this.held;
  }

  /** Space was freed (messages retired): later appends are judged again. */
  release(): void {
    this.held = undefined;
  }

  /** Remembers `err` until the next turn (or a `release`) when it is a refusal for lack of space. */
  observe(err: unknown): void {
    if (this.held !== undefined || !(isVergeError(err, 'HUB_STORE_FULL') || isVergeError(err, 'HUB_DISK_LOW'))) return;
    this.held = err;
    setImmediate(() => (this.held = undefined));
  }
}
