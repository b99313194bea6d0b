import type { LogLine } from '../module-runtime.js';

const HEADER_BYTES = 8;
// `timestamps=1` prefixes every line with RFC 3339 nano time and a space.
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;
// A line longer than this is cut, so a module that never writes a newline cannot grow our memory.
const MAX_LINE_BYTES = 64 * 1024;

type StreamName = LogLine['stream'];

/**
 * Incremental decoder of `GET /containers/{id}/logs?timestamps=1`: the multiplexed format (containers without a
 * TTY: frames of an 8-byte header `[stream, 0, 0, 0, size uint32 BE]` then the payload; stream 2 is stderr) or
 * the raw one (TTY containers, all stdout). Yields whole lines with their timestamps; `end()` flushes the rest.
 */
export class DockerLogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };

  constructor(
    private readonly multiplexed: boolean,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: Buffer): LogLine[] {
    if (!this.multiplexed) return this.feed('stdout', chunk);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: LogLine[] = [];
    let offset = 0;
    while (offset + HEADER_BYTES <= this.pending.length) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (offset + HEADER_BYTES + size > this.pending.length) break;
      const stream: StreamName = this.pending[offset] === 2 ? 'stderr' : 'stdout';
      lines.push(...this.feed(stream, this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + size)));
      offset += HEADER_BYTES + size;
    }
    this.pending = Buffer.from(this.pending.subarray(offset));
    return lines;
  }

  /** Flushes unterminated lines (and a truncated last frame's payload). */
  end(): LogLine[] {
    const lines: LogLine[] = [];
    if (this.multiplexed && this.pending.length > HEADER_BYTES) {
      const stream: StreamName = this.pending[0] === 2 ? 'stderr' : 'stdout';
      lines.push(...this.feed(stream, this.pending.subarray(HEADER_BYTES)));
    }
    this.pending = Buffer.alloc(0);
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) lines.push(this.line(stream, Buffer.concat(this.partial[stream])));
      this.partial[stream] = [];
      this.partialBytes[stream] = 0;
    }
    return lines;
  }

  private feed(stream: StreamName, payload: Buffer): LogLine[] {
    const lines: LogLine[] = [];
    let start = 0;
    for (let nl = payload.indexOf(10, start); nl >= 0; nl = payload.indexOf(10, start)) {
      this.append(stream, payload.subarray(start, nl), lines);
      lines.push(this.line(stream, Buffer.concat(this.partial[stream])));
      this.partial[stream] = [];
      this.partialBytes[stream] = 0;
      start = nl + 1;
    }
    this.append(stream, payload.subarray(start), lines);
    return lines;
  }

  private append(stream: StreamName, piece: Buffer, lines: LogLine[]): void {
    let rest = piece;
    while (rest.length > 0) {
      const room = MAX_LINE_BYTES - this.partialBytes[stream];
      const taken = rest.subarray(0, room);
      rest = rest.subarray(taken.length);
      this.partial[stream].push(Buffer.from(taken));
      this.partialBytes[stream] += taken.length;
      if (this.partialBytes[stream] >= MAX_LINE_BYTES) {
        lines.push(this.line(stream, Buffer.concat(this.partial[stream])));
        this.partial[stream] = [];
        this.partialBytes[stream] = 0;
      }
    }
  }

  private line(stream: StreamName, bytes: Buffer): LogLine {
    const text = bytes.toString('utf8').replace(/\r$/, '');
    const match = TIMESTAMP.exec(text);
    const atMs = match?.[1] === undefined ? Number.NaN : Date.parse(match[1]);
    if (match === null || Number.isNaN(atMs)) return { stream, atMs: this.nowMs(), text };
    return { stream, atMs, text: text.slice(match[0].length) };
  }
}
