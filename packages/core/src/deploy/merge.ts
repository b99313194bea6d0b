import { DESIRED_KEY, EDGE_AGENT_TWIN, EDGE_HUB_TWIN, VergeError } from '@verge/contracts';
import { contentWrites } from './content.js';
import { compareRank, type Deployment } from './deployment.js';
import { writeAt, type Tree } from './desired-tree.js';
import { moduleProvenance, type AppliedWrite, type ProvenanceEntry } from './provenance.js';

/** The module twin contents a device receives, and where every part of it came from. */
export interface MergedDeployment {
  readonly modulesContent: Record<string, { readonly [DESIRED_KEY]: Tree }>;
  /** Sorted by module (`$edgeAgent`, `$edgeHub`, then by id) and path. */
  readonly provenance: readonly ProvenanceEntry[];
}

type ModuleWrite = AppliedWrite & { readonly moduleId: string };

function writesOf(d: Deployment): ModuleWrite[] {
  const content = contentWrites(d);
  if (!content.ok) {
    throw new VergeError('TARGET_DEPLOYMENT_CONTENT_INVALID', `deployment '${d.id}': ${content.errors.map((e) => e.message).join('; ')}`, { details: { id: d.id } });
  }
  return content.writes.map((w) => ({ deployment: d, moduleId: w.moduleId, path: w.path, value: w.value }));
}

function moduleOrder(a: string, b: string): number {
  const rank = (m: string) => (m === EDGE_AGENT_TWIN ? 0 : m === EDGE_HUB_TWIN ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return a === b ? 0 : a < b ? -1 : 1;
}

function pathOrder(a: ProvenanceEntry, b: ProvenanceEntry): number {
  const x = a.path.split('.');
  const y = b.path.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const s = x[i] as string;
    const t = y[i] as string;
    if (s !== t) return s < t ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * Overlays layered deployments onto a base deployment (reference §10.3): the base's module twins first, then the
 * layers in ascending rank (priority, then creation time), each write replacing what is at its path. So for the
 * same path (a module, a route, any sub-path) the higher priority wins, different paths merge, and a layer that
 * sets a module's whole `properties.desired` replaces everything lower ones set for that module. `null` at a
 * path removes it (a twin cannot hold `null`).
 *
 * Provenance lists, for every unit of the result (see units.ts — `$edgeAgent` `modules.sim`, `$edgeHub`
 * `routes.r1`, `mod` `layeredProperties`, split deeper where a layer wrote deeper), the deployment that set it
 * and the lower applied deployments it overrode, plus `removed` entries for units lower deployments set that the
 * result lacks.
 *
 * Throws VergeError `TARGET_DEPLOYMENT_CONTENT_INVALID` for content that `checkDeployment` would refuse.
 */
export function mergeDeployments(base: Deployment | undefined, layers: readonly Deployment[]): MergedDeployment {
  const ordered = [...layers].sort(compareRank);
  const writes = [...(base === undefined ? [] : writesOf(base)), ...ordered.flatMap(writesOf)];
  const modules = [...new Set(writes.map((w) => w.moduleId))].sort(moduleOrder);
  const modulesContent: Record<string, { readonly [DESIRED_KEY]: Tree }> = {};
  const provenance: ProvenanceEntry[] = [];
  for (const moduleId of modules) {
    const own = writes.filter((w) => w.moduleId === moduleId);
    let desired: Tree | undefined;
    for (const w of own) desired = writeAt(desired, w.path, w.value);
    const final = desired ?? {};
    Object.defineProperty(modulesContent, moduleId, { value: { [DESIRED_KEY]: final }, enumerable: true, writable: true, configurable: true });
    provenance.push(...moduleProvenance(moduleId, own, final).sort(pathOrder));
  }
  return { modulesContent, provenance };
}
