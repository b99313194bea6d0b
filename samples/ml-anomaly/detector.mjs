// The anomaly detector's inference: a Gaussian z-score model. `params` come from the cloud (the module twin's desired
// `model.params`): `{ kind: 'gaussian-zscore', features: ['temperature', …], mean: [..], std: [..], threshold }`.
// A reading's score is its largest |x − mean| / std over the features; above `threshold` it is an anomaly.

/** The reason `model` cannot be used, or undefined when it can. */
export function modelProblem(model) {
  if (typeof model !== 'object' || model === null) return 'model is not an object';
  if (!Number.isInteger(model.version) || model.version < 1) return 'model.version is not a positive integer';
  const p = model.params;
  if (typeof p !== 'object' || p === null) return 'model.params is not an object';
  if (p.kind !== 'gaussian-zscore') return `model.params.kind ${JSON.stringify(p.kind)} is not "gaussian-zscore"`;
  if (!Array.isArray(p.features) || p.features.length === 0 || !p.features.every((f) => typeof f === 'string')) return 'model.params.features is not a list of names';
  for (const key of ['mean', 'std']) {
    if (!Array.isArray(p[key]) || p[key].length !== p.features.length || !p[key].every(Number.isFinite)) return `model.params.${key} needs one number per feature`;
  }
  if (!p.std.every((s) => s > 0)) return 'model.params.std must be above 0';
  if (!(Number.isFinite(p.threshold) && p.threshold > 0)) return 'model.params.threshold must be a number above 0';
  return undefined;
}

/** `{ score, feature, anomaly }` of `reading` under `params` (a model {@link modelProblem} accepted). */
export function score(params, reading) {
  let best = { score: 0, feature: params.features[0] };
  params.features.forEach((feature, i) => {
    const x = Number(reading[feature]);
    const z = Number.isFinite(x) ? Math.abs(x - params.mean[i]) / params.std[i] : Infinity;
    if (z > best.score) best = { score: z, feature };
  });
  return { score: +best.score.toFixed(2), feature: best.feature, anomaly: best.score > params.threshold };
}
