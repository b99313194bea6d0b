import { EDGE_AGENT_TWIN, EDGE_HUB_TWIN } from '@verge/contracts';
import { diffTwinSection } from '../twin/diff.js';
import { jsonEqual } from '../twin/json.js';
import type { JsonObject } from '../twin/types.js';
import { isTree } from './desired-tree.js';
import type { DeploymentExplanation } from './explain.js';

/** `configurations.{id}.status` of a device's `$edgeAgent` module twin (reference §10.2). */
export type ConfigurationStatus = 'Applied' | 'Targeted';

/** What the plan needs to know of one edge device, as stored. */
export interface DevicePlanInput {
  /** `explainDeployment` over the deployments this device is admitted to (only `modulesContent` and `statuses` are read). */
  readonly explanation: Pick<DeploymentExplanation, 'modulesContent' | 'statuses'>;
  /** The desired properties of every module twin the device has (module id → desired); a missing id has no module identity. */
  readonly modules: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** `configurations` of the device's `$edgeAgent` twin as stored (absent: none). */
  readonly statuses?: Readonly<Record<string, { readonly status: ConfigurationStatus }>>;
  /**
   * Desired content to restore (module id → desired) when no deployment applies (a rolled-back rollout left the
   * device with no applicable deployment); ignored when a deployment applies.
   */
  readonly restore?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** One write of a device plan. Steps are data; the cloud executes them in order inside one transaction. */
export type DevicePlanStep =
  /** Create a module identity managed by the edge runtime (derived keys) and its empty twin. */
  | { readonly action: 'createModule'; readonly moduleId: string }
  /** Replace the module twin's desired properties with `desired`; `patch` is the merge patch the module receives. */
  | { readonly action: 'replaceDesired'; readonly moduleId: string; readonly desired: JsonObject; readonly patch: JsonObject }
  /** Replace `configurations` of the `$edgeAgent` twin (an empty map removes it). */
  | { readonly action: 'setStatuses'; readonly statuses: Readonly<Record<string, { readonly status: ConfigurationStatus }>> };

/** Ids added, changed and removed in one map of a desired document (`$edgeAgent` `modules`, `$edgeHub` `routes`). */
export interface MapChanges {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

/** A readable summary of a plan, for explain/dry-run and logs. */
export interface DevicePlanSummary {
  /** `$edgeAgent` `properties.desired.modules`. */
  readonly modules: MapChanges;
  /** `$edgeHub` `properties.desired.routes`. */
  readonly routes: MapChanges;
  /** Every other changed path (module id and dotted path, at most two levels deep inside `properties.desired`). */
  readonly paths: readonly { readonly moduleId: string; readonly path: string }[];
  /** Module identities the plan creates. */
  readonly createdModules: readonly string[];
  /** Deployment statuses before and after, when they change. */
  readonly statuses?: { readonly before: Readonly<Record<string, ConfigurationStatus>>; readonly after: Readonly<Record<string, ConfigurationStatus>> };
}

/** The writes that bring one device in line with its deployments; no steps: nothing to write. */
export interface DevicePlan {
  readonly steps: readonly DevicePlanStep[];
  readonly summary: DevicePlanSummary;
}

/** Depth of `paths` entries inside a module twin's desired properties. */
const PATH_DEPTH = 2;

/**
 * The write plan of one edge device (the only place that decides what deployment evaluation writes; dry-run
 * calls it too and writes nothing):
 * - every module twin the merged content names whose stored desired differs gets its desired replaced (its
 *   identity created first when missing), as "apply on edge device" does; module twins the content does not name
 *   keep what they have (reference §10.2: removing a deployment does not remove modules);
 * - with no applied deployment and a `restore` content, the restore content is written instead;
 * - the `$edgeAgent` twin's `configurations` statuses are replaced when they differ from the explanation's.
 * Pure and total.
 */
export function planDeviceWrites(input: DevicePlanInput): DevicePlan {
  const content = contentToWrite(input);
  const steps: DevicePlanStep[] = [];
  const createdModules: string[] = [];
  const changes: { moduleId: string; before: JsonObject; after: JsonObject; patch: JsonObject }[] = [];
  for (const [moduleId, desired] of Object.entries(content)) {
    const stored = ownValue(input.modules, moduleId);
    if (stored === undefined) {
      steps.push({ action: 'createModule', moduleId });
      createdModules.push(moduleId);
    }
    const before = (stored ?? {}) as JsonObject;
    const after = desired as JsonObject;
    const patch = diffTwinSection(before, after);
    if (Object.keys(patch).length === 0) continue;
    steps.push({ action: 'replaceDesired', moduleId, desired: after, patch });
    changes.push({ moduleId, before, after, patch });
  }
  const before = flatStatuses(input.statuses ?? {});
  const after = input.explanation.statuses;
  const statusesChange = jsonEqual(before, after) ? undefined : { before, after: { ...after } };
  if (statusesChange !== undefined) steps.push({ action: 'setStatuses', statuses: nestStatuses(after) });
  return { steps, summary: summarize(changes, createdModules, statusesChange) };
}

/** Module id → desired to write: the merged deployments, else the rollback restore content, else nothing. */
function contentToWrite(input: DevicePlanInput): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  const merged = input.explanation.modulesContent;
  if (Object.keys(merged).length === 0) return input.restore ?? {};
  const out: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const [moduleId, block] of Object.entries(merged)) {
    Object.defineProperty(out, moduleId, { value: block['properties.desired'], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function flatStatuses(statuses: Readonly<Record<string, { readonly status: ConfigurationStatus }>>): Record<string, ConfigurationStatus> {
  const out: Record<string, ConfigurationStatus> = {};
  for (const [id, s] of Object.entries(statuses)) Object.defineProperty(out, id, { value: s.status, enumerable: true, writable: true, configurable: true });
  return out;
}

function nestStatuses(statuses: Readonly<Record<string, ConfigurationStatus>>): Record<string, { status: ConfigurationStatus }> {
  const out: Record<string, { status: ConfigurationStatus }> = {};
  for (const [id, status] of Object.entries(statuses)) Object.defineProperty(out, id, { value: { status }, enumerable: true, writable: true, configurable: true });
  return out;
}

function summarize(
  changes: readonly { moduleId: string; before: JsonObject; after: JsonObject; patch: JsonObject }[],
  createdModules: readonly string[],
  statuses: DevicePlanSummary['statuses'],
): DevicePlanSummary {
  const none: MapChanges = { added: [], updated: [], removed: [] };
  let modules = none;
  let routes = none;
  const paths: { moduleId: string; path: string }[] = [];
  for (const c of changes) {
    const mapKey = c.moduleId === EDGE_AGENT_TWIN ? 'modules' : c.moduleId === EDGE_HUB_TWIN ? 'routes' : undefined;
    if (mapKey === 'modules') modules = mapChanges(c.before.modules, c.after.modules);
    if (mapKey === 'routes') routes = mapChanges(c.before.routes, c.after.routes);
    for (const path of patchPaths(c.patch, [], PATH_DEPTH)) {
      if (mapKey !== undefined && path[0] === mapKey) continue;
      paths.push({ moduleId: c.moduleId, path: path.join('.') });
    }
  }
  return { modules, routes, paths, createdModules, ...(statuses === undefined ? {} : { statuses }) };
}

function mapChanges(before: unknown, after: unknown): MapChanges {
  const b = isTree(before) ? before : {};
  const a = isTree(after) ? after : {};
  const added = Object.keys(a).filter((k) => !Object.hasOwn(b, k)).sort();
  const removed = Object.keys(b).filter((k) => !Object.hasOwn(a, k)).sort();
  const updated = Object.keys(a).filter((k) => Object.hasOwn(b, k) && !jsonEqual(a[k], b[k])).sort();
  return { added, updated, removed };
}

/** Paths of a merge patch, cut at `depth` levels. */
function patchPaths(patch: unknown, prefix: readonly string[], depth: number): string[][] {
  if (!isTree(patch) || prefix.length >= depth) return [[...prefix]];
  return Object.keys(patch).sort().flatMap((k) => patchPaths(patch[k], [...prefix, k], depth));
}
