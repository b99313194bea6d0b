import type { Duplex } from 'node:stream';
import { PUBACK_BYTES, encodePubackFrame, writePuback } from './packet-encoder.js';

/** Up to this many bytes of one tick's frames are joined into one buffer; beyond, they are written corked, uncopied. */
const JOIN_MAX_BYTES = 64 * 1024;

/**
 * The frames a connection sends in one tick of the event loop (the PUBACKs of every publish a read chunk carried,
 * the deliveries a pump sent), written to the socket at the end of the tick as one write: one pass through the
 * stream machinery, one TLS record and one syscall instead of one per packet (issue 8). Frames keep their order.
 * A PUBACK is queued as its packet id and written straight into the joined buffer (no 4-byte buffer per message).
 */
export class WriteBatch {
  /** Whole frames, or the packet id of a PUBACK. */
  private readonly items: (Buffer | number)[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly socket: Duplex) {}

  /** Bytes queued and not yet handed to the socket. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Queues a whole frame; it goes out at the end of this tick (or at an earlier `flush`). */
  add(frame: Buffer): void {
    this.items.push(frame);
    this.bytes += frame.length;
    this.schedule();
  }

  /** Queues a PUBACK for `messageId`. */
  addPuback(messageId: number): void {
    this.items.push(messageId);
    this.bytes += PUBACK_BYTES;
    this.schedule();
  }

  /**
   * Hands every queued frame to the socket now (before a graceful end). Frames are dropped once the socket is
   * destroyed or its writable side ended (the peer's end ends ours): nothing can be written then.
   */
  flush(): void {
    const { items, socket } = this;
    if (items.length === 0) return;
    if (!socket.destroyed && !socket.writableEnded) {
      if (this.bytes <= JOIN_MAX_BYTES) socket.write(items.length === 1 ? frameOf(items[0] ?? 0) : join(items, this.bytes));
      else {
        socket.cork();
        for (const item of items) socket.write(frameOf(item));
        socket.uncork();
      }
    }
    items.length = 0;
    this.bytes = 0;
  }

  /** The end-of-tick flush (`process.nextTick` with the batch as argument: no closure per tick). */
  tickEnded(): void {
    this.scheduled = false;
    this.flush();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(flushAtTickEnd, this);
  }
}

function flushAtTickEnd(batch: WriteBatch): void {
  batch.tickEnded();
}

function frameOf(item: Buffer | number): Buffer {
  return typeof item === 'number' ? encodePubackFrame(item) : item;
}

function join(items: readonly (Buffer | number)[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const item of items) {
    if (typeof item === 'number') at = writePuback(out, at, item);
    else {
      out.set(item, at);
      at += item.length;
    }
  }
  return out;
}
