import type { Deployment } from './deployment.js';
import type { DeploymentSelection } from './select.js';

/** What became of one deployment that targets a device. */
export type DeploymentOutcome = 'base' | 'layer' | 'outranked' | 'notAdmitted';

/** One targeting deployment, what became of it, and why in words (for `verge device explain`). */
export interface DeploymentVerdict {
  readonly deploymentId: string;
  readonly priority: number;
  readonly layered: boolean;
  readonly createdAtMs: number;
  readonly outcome: DeploymentOutcome;
  /** The applied deployment that outranked it (`outranked` only). */
  readonly outrankedBy?: string;
  readonly reason: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Why `winner` ranks above `loser` (both standard, or a standard base and anything), in words. */
function rankWhy(winner: Deployment, loser: Deployment): string {
  if (winner.priority !== loser.priority) return `priority ${winner.priority} > ${loser.priority}`;
  if (winner.createdAtMs !== loser.createdAtMs) {
    return `equal priority ${winner.priority}; the most recently created wins ('${winner.id}' created ${iso(winner.createdAtMs)}, '${loser.id}' ${iso(loser.createdAtMs)})`;
  }
  return `equal priority ${winner.priority} and creation time ${iso(winner.createdAtMs)}; the greater id wins`;
}

function baseReason(base: Deployment, selection: DeploymentSelection): string {
  const rivals = selection.outranked.filter((d) => !d.layered);
  const tied = rivals.filter((d) => d.priority === base.priority);
  if (rivals.length === 0) return `the only standard deployment targeting the device (priority ${base.priority})`;
  if (tied.length === 0) return `the standard deployment with the highest priority (${base.priority}) among ${rivals.length + 1} targeting the device`;
  const names = tied.map((d) => `'${d.id}'`).join(', ');
  return `ties on priority ${base.priority} with ${names}: ${rankWhy(base, tied[0] as Deployment)}`;
}

function layerReason(layer: Deployment, base: Deployment | undefined, position: number, count: number): string {
  const order = count > 1 ? `; overlaid ${ordinal(position + 1)} of ${count} layers (lowest priority first, so higher ones win a shared path)` : '';
  if (base === undefined) return `layered; no standard deployment targets the device, so every targeting layer applies${order}`;
  return `layered; priority ${layer.priority} is above the base '${base.id}' (${base.priority})${order}`;
}

function outrankedReason(d: Deployment, base: Deployment | undefined): string {
  if (base === undefined) return 'outranked';
  if (d.layered) return `layered; priority ${d.priority} is not above the base '${base.id}' (${base.priority}): a layer applies only above its base`;
  return `outranked by the standard deployment '${base.id}': ${rankWhy(base, d)}; standard deployments are not merged`;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/**
 * Every deployment targeting a device with its outcome and the reason, highest rank first: the base (and why it
 * won a priority tie), the applied layers (and their overlay order), the outranked ones (by whom and why), then
 * `notAdmitted` — deployments whose target matches but whose staged rollout has not admitted the device (left out
 * of `selection`, so they did not compete).
 */
export function explainSelection(selection: DeploymentSelection, notAdmitted: readonly Deployment[] = []): DeploymentVerdict[] {
  const { base, layers } = selection;
  const verdict = (d: Deployment, outcome: DeploymentOutcome, reason: string, outrankedBy?: string): DeploymentVerdict => ({
    deploymentId: d.id,
    priority: d.priority,
    layered: d.layered,
    createdAtMs: d.createdAtMs,
    outcome,
    ...(outrankedBy === undefined ? {} : { outrankedBy }),
    reason,
  });
  const out = selection.targeted.map((d) => {
    if (d === base) return verdict(d, 'base', baseReason(d, selection));
    const position = layers.indexOf(d);
    if (position >= 0) return verdict(d, 'layer', layerReason(d, base, position, layers.length));
    return verdict(d, 'outranked', outrankedReason(d, base), base?.id);
  });
  for (const d of notAdmitted) {
    out.push(verdict(d, 'notAdmitted', `its staged rollout has not admitted this device (wave not reached, paused, halted, aborted or rolled back), so the device keeps what the other deployments give it`));
  }
  return out;
}
