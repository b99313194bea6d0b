import { EDGE_AGENT_TWIN, EDGE_HUB_TWIN } from '@verge/contracts';
import { isTree } from './desired-tree.js';

/**
 * The units provenance is reported in: the pieces of a module twin's desired properties that deployments set as a
 * whole (reference §10.3: "for the same path (same module name or route name) the higher priority wins").
 * - `$edgeAgent`: each `modules.<id>` and `systemModules.<id>`, and each other top-level key (`schemaVersion`,
 *   `runtime`);
 * - `$edgeHub`: each `routes.<name>`, and each other top-level key;
 * - other modules: each top-level desired property.
 * A deployment that writes deeper (e.g. `properties.desired.modules.sensor.settings.image`) splits the unit it
 * writes into, down to its path (see provenance.ts).
 */

const COLLECTIONS: Readonly<Record<string, readonly string[]>> = {
  [EDGE_AGENT_TWIN]: ['modules', 'systemModules'],
  [EDGE_HUB_TWIN]: ['routes'],
};

/** How many path segments a unit of `moduleId` starting with `first` has. */
function unitDepth(moduleId: string, first: string | undefined): number {
  return first !== undefined && (COLLECTIONS[moduleId] ?? []).includes(first) ? 2 : 1;
}

/**
 * The unit paths of `value` placed at `path` in `moduleId`'s desired properties. A path at or below unit depth
 * is one unit; an empty object or a non-object above unit depth is a unit by itself (so `modules: {}` shows).
 */
export function unitPaths(moduleId: string, path: readonly string[], value: unknown): string[][] {
  if (path.length >= unitDepth(moduleId, path[0])) return [[...path]];
  if (!isTree(value) || Object.keys(value).length === 0) return [[...path]];
  return Object.keys(value).flatMap((key) => unitPaths(moduleId, [...path, key], value[key]));
}
