import type { LogLine } from '../module-runtime.js';

const HEADER_BYTES = 8;
// `timestamps=1` prefixes every line with RFC 3339 nano time and a space.
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;
// Bytes of a frame enough to hold any timestamp TIMESTAMP matches in practice (nanoseconds and an offset: 36 + space).
const TIMESTAMP_MAX_BYTES = 64;
// A line longer than this is cut, so a module that never writes a newline cannot grow our memory.
const MAX_LINE_BYTES = 64 * 1024;

type StreamName = LogLine['stream'];

/**
 * Incremental decoder of `GET /containers/{id}/logs?timestamps=1`: the multiplexed format (containers without a
 * TTY: frames of an 8-byte header `[stream, 0, 0, 0, size uint32 BE]` then the payload; stream 2 is stderr) or
 * the raw one (TTY containers, all stdout). Yields whole lines with their timestamps; `end()` flushes the rest.
 * The engine writes one frame per log message, each behind its own timestamp, and its logging drivers store a line
 * longer than 16 KiB as several partial messages: so in the multiplexed format the timestamp is taken off every
 * frame, and a line spanning frames keeps the time of its first one (the raw format has no frame boundaries: its
 * timestamps are read at the start of each line only).
 */
export class DockerLogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  /** Multiplexed only: the timestamp of the frame that began each stream's partial line. */
  private readonly partialAtMs: Record<StreamName, number | undefined> = { stdout: undefined, stderr: undefined };

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
      lines.push(...this.feedFrame(stream, this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + size)));
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
      lines.push(...this.feedFrame(stream, this.pending.subarray(HEADER_BYTES)));
    }
    this.pending = Buffer.alloc(0);
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) lines.push(this.takeLine(stream));
    }
    return lines;
  }

  /** One frame (one log message): its own timestamp is taken off before its text joins the stream's line. */
  private feedFrame(stream: StreamName, payload: Buffer): LogLine[] {
    const match = TIMESTAMP.exec(payload.subarray(0, TIMESTAMP_MAX_BYTES).toString('latin1'));
    const atMs = match?.[1] === undefined ? Number.NaN : Date.parse(match[1]);
    if (match === null || Number.isNaN(atMs)) return this.feed(stream, payload, undefined);
    return this.feed(stream, payload.subarray(match[0].length), atMs);
  }

  private feed(stream: StreamName, payload: Buffer, atMs: number | undefined = undefined): LogLine[] {
    const lines: LogLine[] = [];
    let start = 0;
    for (let nl = payload.indexOf(10, start); nl >= 0; nl = payload.indexOf(10, start)) {
      this.append(stream, payload.subarray(start, nl), lines, atMs);
      lines.push(this.takeLine(stream));
      start = nl + 1;
    }
    this.append(stream, payload.subarray(start), lines, atMs);
    return lines;
  }

  private append(stream: StreamName, piece: Buffer, lines: LogLine[], atMs: number | undefined): void {
    let rest = piece;
    do {
      if (this.partialBytes[stream] === 0) this.partialAtMs[stream] = atMs;
      const room = MAX_LINE_BYTES - this.partialBytes[stream];
      const taken = rest.subarray(0, room);
      rest = rest.subarray(taken.length);
      if (taken.length > 0) this.partial[stream].push(Buffer.from(taken));
      this.partialBytes[stream] += taken.length;
      if (this.partialBytes[stream] >= MAX_LINE_BYTES) lines.push(this.takeLine(stream));
    } while (rest.length > 0);
  }

  /** The stream's partial line as a LogLine; the partial line starts again empty. */
  private takeLine(stream: StreamName): LogLine {
    const line = this.line(stream, Buffer.concat(this.partial[stream]), this.partialAtMs[stream]);
    this.partial[stream] = [];
    this.partialBytes[stream] = 0;
    this.partialAtMs[stream] = undefined;
    return line;
  }

  private line(stream: StreamName, bytes: Buffer, frameAtMs: number | undefined): LogLine {
    const text = bytes.toString('utf8').replace(/\r$/, '');
    if (this.multiplexed) return { stream, atMs: frameAtMs ?? this.nowMs(), text };
    const match = TIMESTAMP.exec(text);
    const atMs = match?.[1] === undefined ? Number.NaN : Date.parse(match[1]);
    if (match === null || Number.isNaN(atMs)) return { stream, atMs: this.nowMs(), text };
    return { stream, atMs, text: text.slice(match[0].length) };
  }
}
