/**
 * How many inputs a property test draws. The fuzz suites are written with their full counts (100,000 for most
 * properties); `VERGE_FUZZ_SCALE` (a factor in (0, 1], default 1) scales them down. `npm test` (and so CI, for its
 * time budget) runs them at 0.25; `npm run test:fuzz` runs the full counts. Never below 1,000 inputs, nor above the
 * full count.
 */
export function fuzzRuns(full: number): number {
  const raw = process.env['VERGE_FUZZ_SCALE'];
  const scale = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw new Error(`VERGE_FUZZ_SCALE='${raw}': expected a number greater than 0 and at most 1`);
  }
  return Math.min(full, Math.max(1000, Math.round(full * scale)));
}
