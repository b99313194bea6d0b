// The demo's cloud-side training: fits the anomaly detector of samples/ml-anomaly (a Gaussian z-score model) on
// generated historical readings of healthy machines. Deterministic: the data come from a seeded generator, so the
// same version always yields the same model. Pure (no I/O).

/** Mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` healthy readings (temperature around 60 °C, vibration around 0.8 mm/s), as samples/ml-sensor sends them. */
export function historicalReadings(n, seed) {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, () => ({ temperature: 60 + 1.5 * gaussian(), vibration: 0.8 + 0.08 * gaussian() }));
}

/** The `q` quantile (0..1) of `values` (nearest rank). */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Fits the mean and standard deviation of each feature and sets the threshold at the 99.9th percentile of the
 * training scores (largest |z| over the features), never below 3.5 σ.
 */
export function trainGaussianModel(readings, features) {
  const columns = features.map((f) => readings.map((r) => r[f]));
  const mean = columns.map((xs) => xs.reduce((s, x) => s + x, 0) / xs.length);
  const std = columns.map((xs, i) => Math.sqrt(xs.reduce((s, x) => s + (x - mean[i]) ** 2, 0) / (xs.length - 1)));
  const scores = readings.map((r) => Math.max(...features.map((f, i) => Math.abs(r[f] - mean[i]) / std[i])));
  const threshold = Math.max(3.5, quantile(scores, 0.999));
  const round = (x) => +x.toFixed(4);
  return { kind: 'gaussian-zscore', features: [...features], mean: mean.map(round), std: std.map(round), threshold: +threshold.toFixed(2) };
}

/**
 * The demo's two model versions: v1 learns temperature only from 300 readings; v2 learns temperature and vibration
 * from 5,000 readings, so it also catches the sensor's vibration bursts v1 misses.
 */
export const MODEL_RECIPES = {
  1: { samples: 300, seed: 1, features: ['temperature'] },
  2: { samples: 5000, seed: 2, features: ['temperature', 'vibration'] },
};

/** `{ version, params, trainedAt, samples }`: the artifact shipped in the module twin's desired `model`. */
export function trainModel(version, now = new Date()) {
  const recipe = MODEL_RECIPES[version];
  if (recipe === undefined) throw new Error(`no training recipe for model version ${version}`);
  const params = trainGaussianModel(historicalReadings(recipe.samples, recipe.seed), recipe.features);
  return { version, params, trainedAt: now.toISOString(), samples: recipe.samples };
}
