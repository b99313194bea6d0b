/**
 * Messages per second over the last `seconds` seconds, one bucket a second: what the telemetry-rate chart plots.
 * Pure: the caller passes the time.
 */
export class RateWindow {
  private readonly counts = new Map<number, number>();

  constructor(private readonly seconds: number) {}

  add(atMs: number, n = 1): void {
    const s = Math.floor(atMs / 1000);
    this.counts.set(s, (this.counts.get(s) ?? 0) + n);
  }

  /** `[times (Unix s), counts]` for the `seconds` whole seconds before `nowMs` (the current second is still filling). */
  series(nowMs: number): [number[], number[]] {
    const last = Math.floor(nowMs / 1000) - 1;
    const first = last - this.seconds + 1;
    for (const s of this.counts.keys()) if (s < first) this.counts.delete(s);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let s = first; s <= last; s++) {
      xs.push(s);
      ys.push(this.counts.get(s) ?? 0);
    }
    return [xs, ys];
  }
}
