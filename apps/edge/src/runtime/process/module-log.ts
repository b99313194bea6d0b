import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirectories } from '@verge/platform';
import { AsyncQueue } from '../async-queue.js';
import type { LogLine } from '../module-runtime.js';

/** Options of {@link ModuleLog.open}. */
export interface ModuleLogOptions {
  /** Directory of this module's log files (created if missing). */
  readonly dir: string;
  /** Size at which `output.log` is rotated to `output.log.1` (the previous `.1` is dropped): at most twice this on disk. */
  readonly maxFileBytes: number;
  /** Lines kept in memory for fast tails. */
  readonly ringLines: number;
  readonly nowMs: () => number;
}

/** A log line with its sequence number (monotonic across rotations and runtime restarts). */
interface Recorded extends LogLine {
  readonly n: number;
}

const CURRENT = 'output.log';
const PREVIOUS = 'output.log.1';
const MAX_FOLLOWER_BACKLOG = 10_000;

/**
 * The bounded output of one process module: a ring of recent lines in memory and size-capped JSON-lines files
 * (`{"n","t","s","l"}`) under the data directory, so logs survive runtime restarts (issue #4: "Module logs are kept
 * (bounded)"). Writes are batched and never block the module; a write error (disk full) loses file lines, never
 * the ring. Followers get each line once, after the history they read.
 */
export class ModuleLog {
  private readonly ring: Recorded[] = [];
  private readonly followers = new Set<AsyncQueue<Recorded>>();
  private pending: string[] = [];
  private pendingChars = 0;
  private chain: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private closed = false;
  /** Lines that could not be written to the file (I/O errors). */
  writeFailures = 0;

  private constructor(
    private readonly options: ModuleLogOptions,
    private file: FileHandle,
    private fileBytes: number,
    private nextN: number,
  ) {}

  /** Opens (or creates) the module's log files and continues their numbering. */
  static async open(options: ModuleLogOptions): Promise<ModuleLog> {
    await createDirectories(options.dir, 0o700);
    const lines = [...(await readLines(join(options.dir, PREVIOUS))), ...(await readLines(join(options.dir, CURRENT)))];
    const file = await open(join(options.dir, CURRENT), 'a', 0o600);
    const size = (await stat(join(options.dir, CURRENT))).size;
    const log = new ModuleLog(options, file, size, (lines.at(-1)?.n ?? 0) + 1);
    for (const line of lines.slice(-options.ringLines)) log.ring.push(line);
    return log;
  }

  /** Records one line the module wrote. */
  append(stream: LogLine['stream'], text: string): void {
    if (this.closed) return;
    const line: Recorded = { n: this.nextN++, stream, atMs: this.options.nowMs(), text };
    this.ring.push(line);
    if (this.ring.length > this.options.ringLines) this.ring.shift();
    for (const follower of this.followers) follower.push(line);
    const entry = `${JSON.stringify({ n: line.n, t: line.atMs, s: stream === 'stderr' ? 'e' : 'o', l: text })}\n`;
    this.pending.push(entry);
    this.pendingChars += entry.length;
    this.dropOverflow();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.chain = this.chain.then(() => this.flush());
    }
  }

  /** The kept lines written at or after `sinceMs`, the last `tail` of them; from the ring when it covers the request. */
  async history(tail?: number, sinceMs?: number): Promise<Recorded[]> {
    const first = this.ring[0];
    const ringCovers = first !== undefined && (sinceMs !== undefined ? first.atMs < sinceMs : tail !== undefined && this.ring.length >= tail);
    let lines: Recorded[];
    if (ringCovers) {
      lines = [...this.ring];
    } else {
      await this.chain;
      lines = [...(await readLines(join(this.options.dir, PREVIOUS))), ...(await readLines(join(this.options.dir, CURRENT)))];
      // Lines whose file write failed are still in the ring: merge them in by number.
      const lastN = lines.at(-1)?.n ?? 0;
      lines.push(...this.ring.filter((line) => line.n > lastN));
    }
    const since = sinceMs === undefined ? lines : lines.filter((line) => line.atMs >= sinceMs);
    return tail === undefined ? since : since.slice(Math.max(0, since.length - tail));
  }

  /** A queue of the lines written from now on; ended by `close()`; leaving the iteration unregisters it. */
  follow(): AsyncQueue<Recorded> {
    const queue: AsyncQueue<Recorded> = new AsyncQueue<Recorded>({ maxItems: MAX_FOLLOWER_BACKLOG }, () => this.followers.delete(queue));
    if (this.closed) queue.end();
    else this.followers.add(queue);
    return queue;
  }

  /** Writes what is pending, ends the followers and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const follower of this.followers) follower.end();
    this.followers.clear();
    await this.chain;
    await this.file.close().catch(() => undefined);
  }

  /** Closes and deletes the module's log files (the module was removed). */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.options.dir, { recursive: true, force: true });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const entries = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    try {
      for (const entry of entries) {
        const bytes = Buffer.byteLength(entry);
        // Rotate before a line that would carry the current file past its size (a file holds at least one line).
        if (this.fileBytes + batchBytes > 0 && this.fileBytes + batchBytes + bytes > this.options.maxFileBytes) {
          await this.write(batch.join(''), batchBytes);
          batch = [];
          batchBytes = 0;
          await this.rotate();
        }
        batch.push(entry);
        batchBytes += bytes;
      }
      await this.write(batch.join(''), batchBytes);
    } catch {
      this.writeFailures += 1;
    }
  }

  private async write(text: string, bytes: number): Promise<void> {
    if (bytes === 0) return;
    await this.file.appendFile(text);
    this.fileBytes += bytes;
  }

  private async rotate(): Promise<void> {
    await this.file.close();
    await rename(join(this.options.dir, CURRENT), join(this.options.dir, PREVIOUS));
    this.file = await open(join(this.options.dir, CURRENT), 'a', 0o600);
    this.fileBytes = 0;
  }

  /**
   * Bounds the unwritten lines (a stalled disk or a burst) to two files' worth, all that rotation would keep
   * anyway; the oldest are dropped.
   */
  private dropOverflow(): void {
    while (this.pendingChars > 2 * this.options.maxFileBytes && this.pending.length > 1) {
      this.pendingChars -= this.pending.shift()?.length ?? 0;
      this.writeFailures += 1;
    }
  }
}

async function readLines(path: string): Promise<Recorded[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const lines: Recorded[] = [];
  for (const raw of text.split('\n')) {
    const line = parseLine(raw);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}

function parseLine(raw: string): Recorded | undefined {
  if (raw === '') return undefined;
  try {
    const value = JSON.parse(raw) as { n?: unknown; t?: unknown; s?: unknown; l?: unknown };
    if (typeof value.n !== 'number' || typeof value.t !== 'number' || typeof value.l !== 'string') return undefined;
    return { n: value.n, atMs: value.t, stream: value.s === 'e' ? 'stderr' : 'stdout', text: value.l };
  } catch {
    return undefined; // a line torn by a crash mid-write
  }
}
