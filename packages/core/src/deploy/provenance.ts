import type { Deployment, DeploymentRef } from './deployment.js';
import { child, isPrefix, isTree, valueAt } from './desired-tree.js';
import { unitPaths } from './units.js';

/** One write applied to a module twin, in application order (base first, then layers by ascending rank). */
export interface AppliedWrite {
  readonly deployment: Deployment;
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * Who set one unit of a module twin's desired properties (see units.ts) and whom it overrode: the lower-ranked
 * applied deployments that also set this path, a path inside it, or a parent holding it. `removed` marks a unit
 * that lower deployments set but that is absent from the result: `deploymentId` replaced its parent without it
 * (or wrote `null` at it).
 */
export interface ProvenanceEntry {
  readonly moduleId: string;
  /** Dotted path inside `properties.desired` (`modules.sim`, `routes.r1`); `''` for the whole section. */
  readonly path: string;
  readonly deploymentId: string;
  readonly priority: number;
  /** Overridden deployments, most recently applied (highest rank) first. */
  readonly overridden: readonly DeploymentRef[];
  readonly removed?: true;
}

/**
 * Whether write `w` touched path `u`: it wrote `u`, something inside `u`, or a parent of `u` whose value held
 * `u` — or held a non-object on the way to `u`, which was replaced to make room.
 */
function touched(w: AppliedWrite, u: readonly string[]): boolean {
  if (isPrefix(u, w.path)) return true;
  if (!isPrefix(w.path, u)) return false;
  let v = w.value;
  for (const key of u.slice(w.path.length)) {
    if (!isTree(v)) return v !== null && v !== undefined;
    v = child(v, key);
  }
  return v !== null && v !== undefined;
}

function ref(d: Deployment): DeploymentRef {
  return { deploymentId: d.id, priority: d.priority };
}

/** Distinct deployments (other than `winner`) among `writes[0..before)` that touched `u`, most recent first. */
function overriddenBy(writes: readonly AppliedWrite[], before: number, u: readonly string[], winner: Deployment): DeploymentRef[] {
  const seen = new Set<Deployment>([winner]);
  const out: DeploymentRef[] = [];
  for (let i = before - 1; i >= 0; i--) {
    const w = writes[i] as AppliedWrite;
    if (!seen.has(w.deployment) && touched(w, u)) {
      seen.add(w.deployment);
      out.push(ref(w.deployment));
    }
  }
  return out;
}

/** Index of the last write whose path is `u` or a parent of `u`, or -1. */
function lastCover(writes: readonly AppliedWrite[], u: readonly string[]): number {
  for (let i = writes.length - 1; i >= 0; i--) if (isPrefix((writes[i] as AppliedWrite).path, u)) return i;
  return -1;
}

/** Provenance of a unit present in the final document, split where later writes went deeper. */
function present(moduleId: string, writes: readonly AppliedWrite[], final: unknown, u: readonly string[]): ProvenanceEntry[] {
  const cover = lastCover(writes, u);
  const deeper = writes.some((w, i) => i > cover && w.path.length > u.length && isPrefix(u, w.path));
  const value = valueAt(final, u);
  if (deeper && isTree(value) && Object.keys(value).length > 0) return Object.keys(value).flatMap((key) => present(moduleId, writes, final, [...u, key]));
  const winner = writes[cover];
  if (winner === undefined) return [];
  return [{ moduleId, path: u.join('.'), ...ref(winner.deployment), overridden: overriddenBy(writes, cover, u, winner.deployment) }];
}

/** Units that some write set but the final document lacks, with the deployment that removed each. */
function removedUnits(moduleId: string, writes: readonly AppliedWrite[], final: unknown): ProvenanceEntry[] {
  const missing = new Map<string, readonly string[]>();
  for (const w of writes) {
    // A `null` write removes its own path; any other write sets the units inside its value.
    for (const u of w.value === null ? [[...w.path]] : unitPaths(moduleId, w.path, w.value)) {
      if (valueAt(final, u) === undefined && u.length > 0) missing.set(u.join('\u0000'), u);
    }
  }
  const units = [...missing.values()];
  const entries: ProvenanceEntry[] = [];
  for (const u of units) {
    if (units.some((o) => o.length < u.length && isPrefix(o, u))) continue;
    const cover = lastCover(writes, u);
    const remover = writes[cover];
    if (remover === undefined) continue;
    entries.push({ moduleId, path: u.join('.'), ...ref(remover.deployment), overridden: overriddenBy(writes, cover, u, remover.deployment), removed: true });
  }
  return entries;
}

/** Provenance of every unit of one module twin's merged desired properties, plus the units removed. */
export function moduleProvenance(moduleId: string, writes: readonly AppliedWrite[], final: unknown): ProvenanceEntry[] {
  const units = unitPaths(moduleId, [], final);
  return [...units.flatMap((u) => present(moduleId, writes, final, u)), ...removedUnits(moduleId, writes, final)];
}
