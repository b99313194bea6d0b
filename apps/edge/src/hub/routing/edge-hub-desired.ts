import type { EdgeHubConfig, ManifestFault } from '@verge/contracts';
import { compileEdgeHubRoutes, lastDesiredStatus, parseEdgeHubDesired, type CompiledRoute, type LastDesiredStatus } from '@verge/core';

/** Prefix of fault paths in `lastDesiredStatus.description`, as the agent reports manifest faults. */
export const EDGE_HUB_DESIRED_PATH = '$edgeHub.properties.desired';

/** The outcome of reading `$edgeHub` desired properties: a route table to swap in, or why the set is refused. */
export type EdgeHubDesiredOutcome =
  | { readonly ok: true; readonly config: EdgeHubConfig; readonly routes: readonly CompiledRoute[] }
  | { readonly ok: false; readonly faults: readonly ManifestFault[]; readonly status: LastDesiredStatus };

/**
 * Reads and compiles `$edgeHub` desired properties (reference azure-iot-edge.md §1.4, STYLE §2.4): the schema is
 * checked first (`parseEdgeHubDesired`), then every route compiles (`compileEdgeHubRoutes`). Any fault refuses the
 * whole set; the caller keeps the old table and reports `status` (400 with the fault paths) as `lastDesiredStatus`.
 */
export function evaluateEdgeHubDesired(desired: unknown): EdgeHubDesiredOutcome {
  const parsed = parseEdgeHubDesired(desired, { basePath: EDGE_HUB_DESIRED_PATH });
  if (!parsed.ok) return { ok: false, faults: parsed.faults, status: lastDesiredStatus(parsed.faults) };
  const compiled = compileEdgeHubRoutes(parsed.config, EDGE_HUB_DESIRED_PATH);
  if (!compiled.ok) return { ok: false, faults: compiled.faults, status: lastDesiredStatus(compiled.faults) };
  return { ok: true, config: parsed.config, routes: compiled.routes };
}
