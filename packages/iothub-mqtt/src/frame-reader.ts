/** Outcome of feeding bytes to a `FrameReader`. */
export type FrameEvent =
  | { readonly kind: 'frame'; readonly frame: Buffer }
  | { readonly kind: 'oversize'; readonly packetType: number; readonly totalBytes: number }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Splits a byte stream into whole MQTT control packets (MQTT 3.1.1 §2.2: one type byte, then the remaining
 * length as a 1–4 byte varint). The size of a packet is known from its header, so an oversized packet is
 * refused before its body is buffered. `maxBytes` is read on every packet (it shrinks before CONNECT).
 */
export class FrameReader {
  private pending: Buffer | undefined;

  constructor(private readonly maxBytes: () => number) {}

  /** Feeds a chunk; returns the complete frames (in order), stopping at the first oversize or malformed one. */
  push(chunk: Buffer): FrameEvent[] {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    const events: FrameEvent[] = [];
    let at = 0; // frames are views of `buf` from an offset: no re-slicing of the rest per frame
    for (;;) {
      const header = readHeader(buf, at);
      if (header === 'incomplete') break;
      if (header === 'malformed') {
        events.push({ kind: 'malformed', reason: 'remaining length uses more than 4 bytes (MQTT-2.2.3)' });
        return events;
      }
      const total = header.headerBytes + header.remaining;
      if (total > this.maxBytes()) {
        events.push({ kind: 'oversize', packetType: (buf[at] ?? 0) >> 4, totalBytes: total });
        return events;
      }
      if (buf.length - at < total) break;
      events.push({ kind: 'frame', frame: buf.subarray(at, at + total) });
      at += total;
    }
    // Copy the tail so a large chunk is not kept alive by a few leftover bytes.
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
    return events;
  }

  /** Bytes held for an incomplete packet. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }
}

function readHeader(buf: Buffer, at: number): { headerBytes: number; remaining: number } | 'incomplete' | 'malformed' {
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    const byte = buf[at + i];
    if (byte === undefined) return 'incomplete';
    remaining += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { headerBytes: i + 1, remaining };
    multiplier *= 128;
  }
  return 'malformed';
}
