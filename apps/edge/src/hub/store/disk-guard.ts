import { statfsSync } from 'node:fs';
import { VergeError } from '@verge/contracts';

/** Free and total bytes of the filesystem holding a path (for unprivileged writers: `bavail`). */
export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Reads the free space of the filesystem of `dir` (fs.statfs). */
export function statDisk(dir: string): DiskSpace {
  const s = statfsSync(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * The default reserve: 2% of the filesystem, at least 8 MiB and at most 128 MiB. It must hold what retiring
 * delivered messages writes (checkpoint and delete pages go through the WAL, which grows up to the store's
 * WAL mark before it restarts: at most half the reserve, `wal-autocheckpoint.ts`, held by `wal-checkpointer.ts` even
 * when checkpoints lag) plus the hub's other state.
 */
export function defaultReserveBytes(totalBytes: number): number {
  return Math.min(128 * 1024 * 1024, Math.max(8 * 1024 * 1024, Math.floor(totalBytes * 0.02)));
}

/** Options of {@link DiskGuard}. */
export interface DiskGuardOptions {
  /** Directory of the store's database file. */
  readonly dir: string;
  /** Free bytes kept in reserve; default {@link defaultReserveBytes}. */
  readonly reserveBytes?: number;
  /** How long a free-space reading is trusted (default 1 s). */
  readonly recheckMs?: number;
  readonly nowMs: () => number;
  /** Test seam: the free-space reading. */
  readonly stat?: (dir: string) => DiskSpace;
  /**
   * Bytes the database can reuse without growing its file (SQLite's free pages: what delivered messages left).
   * They count as free: the file never shrinks, so without them a store that once reached the reserve would refuse
   * new messages forever, even after its backlog was delivered.
   */
  readonly reusableBytes?: () => number;
  /**
   * Gives space back when an append would be refused (at most once per `recheckMs`): SQLite's WAL keeps its largest
   * size (up to the WAL mark, at most half the reserve) once it has grown, so the store truncates it.
   * The guard then reads the disk again before it refuses.
   */
  readonly relieve?: () => void;
}

/**
 * Stops the store from accepting messages BEFORE the disk is full (issue 7): an append is refused with HUB_DISK_LOW
 * when, after it, less than the reserve would be free. Retiring delivered messages (checkpoints, deletes, cleanup)
 * is never refused and always finds room, so a full disk can neither stop the queue nor cause resends. Free space
 * is read with `statfs` at most once per `recheckMs` (plus the database's reusable free pages), and counted down by
 * the bytes accepted in between; space that returns (messages delivered, files removed) is seen at the next
 * reading, and acceptance resumes.
 */
export class DiskGuard {
  private reading: DiskSpace | undefined;
  private readAtMs = Number.NEGATIVE_INFINITY;
  private acceptedSinceRead = 0;
  private relievedAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: DiskGuardOptions) {}

  /** Throws HUB_DISK_LOW unless `bytes` more can be written while keeping the reserve free. */
  admit(bytes: number): void {
    if (this.fits(bytes)) return;
    const now = this.o.nowMs();
    if (this.o.relieve === undefined || !elapsed(this.relievedAtMs, now, this.o.recheckMs ?? 1_000)) return this.refuse(bytes);
    this.relievedAtMs = now;
    try {
      this.o.relieve();
    } catch {
      // nothing given back (e.g. the WAL is in use): refuse
    }
    this.readAtMs = Number.NEGATIVE_INFINITY;
    if (!this.fits(bytes)) this.refuse(bytes);
  }

  /** True (and the bytes counted) when `bytes` more leave the reserve free. */
  private fits(bytes: number): boolean {
    const space = this.current();
    if (space === undefined) return true;
    const reserve = this.o.reserveBytes ?? defaultReserveBytes(space.totalBytes);
    // Each stored byte costs more on disk (row, index and WAL pages): count it twice, to stay on the safe side.
    if (space.freeBytes - this.acceptedSinceRead - 2 * bytes < reserve) return false;
    this.acceptedSinceRead += 2 * bytes;
    return true;
  }

  private refuse(bytes: number): never {
    const space = this.current();
    const reserve = this.o.reserveBytes ?? defaultReserveBytes(space?.totalBytes ?? 0);
    const free = (space?.freeBytes ?? 0) - this.acceptedSinceRead;
    this.readAtMs = Number.NEGATIVE_INFINITY; // read again next time: space may come back at any moment
    throw new VergeError(
      'HUB_DISK_LOW',
      `message store refuses new messages: the disk holding ${this.o.dir} has ${Math.max(0, free)} bytes free, ` +
        `below the ${reserve} bytes the hub keeps in reserve to retire delivered messages; acceptance resumes when space frees`,
      { details: { freeBytes: Math.max(0, free), reserveBytes: reserve, messageBytes: bytes } },
    );
  }

  private current(): DiskSpace | undefined {
    const now = this.o.nowMs();
    if (this.reading === undefined || elapsed(this.readAtMs, now, this.o.recheckMs ?? 1_000)) {
      try {
        const disk = (this.o.stat ?? statDisk)(this.o.dir);
        this.reading = { freeBytes: disk.freeBytes + (this.o.reusableBytes?.() ?? 0), totalBytes: disk.totalBytes };
      } catch {
        return this.reading; // statfs unsupported: rely on the byte limit (and SQLITE_FULL handling) alone
      }
      this.readAtMs = now;
      this.acceptedSinceRead = 0;
    }
    return this.reading;
  }
}

/** True when `intervalMs` has passed since `sinceMs`, or the clock went back past it (a backward jump never stalls). */
function elapsed(sinceMs: number, nowMs: number, intervalMs: number): boolean {
  return nowMs - sinceMs >= intervalMs || nowMs < sinceMs;
}
