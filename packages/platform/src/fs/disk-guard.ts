import { statfsSync } from 'node:fs';

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
 * The default reserve: 2% of the filesystem, at least 8 MiB and at most 128 MiB. It must hold what a store writes
 * once it refuses new data: the edge hub retiring delivered messages, the cloud's registry and twin writes, and the
 * SQLite WAL of either, which grows up to half the reserve before it restarts (the stores size their WAL mark with
 * {@link walPagesWithinReserve}).
 */
export function defaultReserveBytes(totalBytes: number): number {
  return Math.min(128 * 1024 * 1024, Math.max(8 * 1024 * 1024, Math.floor(totalBytes * 0.02)));
}

/**
 * A WAL mark in pages that fits the reserve: half of it, from SQLite's default of 1000 pages up to `maxPages`. The WAL
 * grows up to the mark between restarts, and what a store still writes while it refuses must always find room.
 */
export function walPagesWithinReserve(reserveBytes: number, pageSizeBytes: number, maxPages: number): number {
  return Math.min(maxPages, Math.max(SQLITE_DEFAULT_WAL_PAGES, Math.floor(reserveBytes / 2 / pageSizeBytes)));
}

/** SQLite's default auto-checkpoint mark: 1000 pages (4 MiB at 4 KiB pages). */
const SQLITE_DEFAULT_WAL_PAGES = 1000;

/** The disk reserve for `dir`: `reserveBytes` when given, else the default for its filesystem; undefined when statfs fails. */
export function reserveOf(dir: string, reserveBytes: number | undefined, stat: (dir: string) => DiskSpace = statDisk): number | undefined {
  if (reserveBytes !== undefined) return reserveBytes;
  try {
    return defaultReserveBytes(stat(dir).totalBytes);
  } catch {
    return undefined; // statfs unsupported: SQLite's default mark
  }
}

/** What a refusal knows, for the error its store throws. */
export interface DiskRefusal {
  /** Directory of the store's database file. */
  readonly dir: string;
  /** Free bytes left (statfs, minus what was accepted since, plus the database's reusable pages). */
  readonly freeBytes: number;
  readonly reserveBytes: number;
  /** Size of the write refused. */
  readonly bytes: number;
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
  /** The error a refusal throws (each store names itself and its error code). */
  readonly refusal: (r: DiskRefusal) => Error;
}

/**
 * Stops a store from accepting data BEFORE the disk is full (issue 7; the edge hub's messages, the cloud's
 * telemetry): `admit` throws the store's refusal when, after the write, less than the reserve would be free. What the
 * store writes unguarded (the hub retiring delivered messages, the cloud's registry and twins) always finds room, so a
 * full disk can neither stop a queue nor cause resends. Free space
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

  /** Throws the store's refusal unless `bytes` more can be written while keeping the reserve free. */
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
    throw this.o.refusal({ dir: this.o.dir, freeBytes: Math.max(0, free), reserveBytes: reserve, bytes });
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
