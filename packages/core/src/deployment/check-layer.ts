import { DESIRED_KEY, EDGE_AGENT_TWIN, EDGE_HUB_TWIN, type ManifestFault } from '@verge/contracts';
import { readModules, readSystemModuleDefinitions } from '../manifest/edge-agent.js';
import { readRoutes } from '../manifest/edge-hub.js';
import type { FaultList } from '../manifest/faults.js';
import { getOwn, isPlainObject, setOwn } from '../twin/json.js';
import { compileEdgeHubRoutes } from './check-deployment.js';

/** Which `$edgeHub` schema a layer's routes are read with: the newest (a layer does not carry the base's version). */
const LAYER_ROUTES_SCHEMA_MINOR = 3;

/**
 * Checks the whole units a layered deployment sets (reference §10.3) as a standard manifest's are checked: each
 * module definition (`properties.desired.modules.<id>`, `…systemModules.<id>`, or the whole `modules` /
 * `systemModules` object) and each route (`$edgeHub` `properties.desired.routes.<name>` or the whole `routes`
 * object), routes compiled with the route language. Deeper writes (`…modules.<id>.settings.image`) and other paths
 * are left to the structural check: they are only whole once merged onto a base. Fault paths are the content keys
 * (`$edgeHub.properties.desired.routes.r1`). Never throws.
 */
export function checkLayeredContent(modulesContent: Readonly<Record<string, unknown>>): { readonly ok: true } | { readonly ok: false; readonly faults: ManifestFault[] } {
  const faults: FaultList = [];
  const agent = unitsOf(getOwn(modulesContent, EDGE_AGENT_TWIN), ['modules', 'systemModules']);
  const agentPath = `${EDGE_AGENT_TWIN}.${DESIRED_KEY}`;
  if (agent.modules !== undefined) readModules(agent.modules, `${agentPath}.modules`, faults);
  if (agent.systemModules !== undefined) readSystemModuleDefinitions(agent.systemModules, `${agentPath}.systemModules`, faults);
  const hub = unitsOf(getOwn(modulesContent, EDGE_HUB_TWIN), ['routes']);
  if (hub.routes !== undefined) {
    const hubPath = `${EDGE_HUB_TWIN}.${DESIRED_KEY}`;
    const before = faults.length;
    const routes = readRoutes(hub.routes, `${hubPath}.routes`, LAYER_ROUTES_SCHEMA_MINOR, faults);
    if (routes !== undefined && faults.length === before) {
      const compiled = compileEdgeHubRoutes({ routes }, hubPath);
      if (!compiled.ok) faults.push(...compiled.faults);
    }
  }
  return faults.length === 0 ? { ok: true } : { ok: false, faults };
}

/**
 * The named collections a module block of a layer sets: `properties.desired.<c>` gives the whole collection (as
 * written, for the reader to refuse when it is not an object), `properties.desired.<c>.<name>` one entry of it.
 * Keys never overlap (`checkDeployment` refuses that), so a collection comes from one form or the other.
 */
function unitsOf(block: unknown, collections: readonly string[]): Record<string, unknown> {
  const units: Record<string, unknown> = {};
  if (!isPlainObject(block)) return units;
  for (const [key, value] of Object.entries(block)) {
    if (!key.startsWith(`${DESIRED_KEY}.`)) continue;
    const [collection, name, ...deeper] = key.slice(DESIRED_KEY.length + 1).split('.');
    if (collection === undefined || !collections.includes(collection) || deeper.length > 0) continue;
    if (name === undefined) units[collection] = value;
    else setOwn((units[collection] ??= {}) as Record<string, unknown>, name, value);
  }
  return units;
}
