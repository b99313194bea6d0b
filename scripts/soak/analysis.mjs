// The soak's verdict: after the warm-up, nothing may grow without bound. For each series a least-squares line is
// fitted over the samples after the warm-up; a series fails when its slope exceeds the per-hour limit AND the
// growth the line predicts over the analysed window exceeds an absolute floor (so the noise of a short run, e.g.
// one GC cycle, cannot fail it, while a steady leak in a long run cannot hide under the floor). The cloud database
// must also stay under a bound derived from the retention the soak configured.

const MB = 1024 * 1024;

/** Per-series limits: `perHour` (slope) and `floor` (fitted growth over the window), in the series' unit. */
export const GROWTH_LIMITS = {
  rssBytes: { perHour: 48 * MB, floor: 24 * MB, unit: 'MB', scale: MB },
  heapUsedBytes: { perHour: 12 * MB, floor: 6 * MB, unit: 'MB', scale: MB },
  openFiles: { perHour: 24, floor: 8, unit: 'fds', scale: 1 },
  storeBytes: { perHour: 64 * MB, floor: 16 * MB, unit: 'MB', scale: MB },
};

/** Least-squares fit of `ys` against `xs`: slope (per x unit) and intercept. */
export function leastSquares(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * Checks every (process, series) of `samples` (rows with `tSec` and `{process}.{series}` columns) after
 * `warmupSec`. Returns `{ checks, failures, inconclusive }`; `inconclusive` is a reason when too few samples remain.
 */
export function analyseGrowth(samples, { warmupSec, processes, extraChecks = [] }) {
  const after = samples.filter((s) => s.tSec >= warmupSec);
  if (after.length < 3) return { checks: [], failures: [], inconclusive: `only ${after.length} samples after the ${warmupSec} s warm-up (need 3): run longer or sample more often` };
  const checks = [];
  for (const proc of processes) {
    for (const [series, limit] of Object.entries(GROWTH_LIMITS)) {
      const points = after.filter((s) => Number.isFinite(s[`${proc}.${series}`]));
      if (points.length < 3) continue;
      const xs = points.map((s) => s.tSec);
      const { slope } = leastSquares(xs, points.map((s) => s[`${proc}.${series}`]));
      const windowSec = xs[xs.length - 1] - xs[0];
      const perHour = slope * 3600;
      const growth = slope * windowSec;
      const failed = perHour > limit.perHour && growth > limit.floor;
      const fmt = (v) => (v / limit.scale).toFixed(limit.scale === 1 ? 1 : 2);
      checks.push({
        name: `${proc} ${series}`,
        failed,
        text: `${proc} ${series}: ${fmt(perHour)} ${limit.unit}/h (${fmt(growth)} ${limit.unit} over ${Math.round(windowSec)} s; limit ${fmt(limit.perHour)} ${limit.unit}/h and ${fmt(limit.floor)} ${limit.unit})`,
      });
    }
  }
  checks.push(...extraChecks);
  return { checks, failures: checks.filter((c) => c.failed), inconclusive: undefined };
}
