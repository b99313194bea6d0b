import type { DeploymentManifest, EdgeHubConfig, ManifestFault } from '@verge/contracts';
import { parseDeploymentManifest } from '../manifest/index.js';
import { compileRoutes, type CompiledRoute, type RouteSpec } from '../route/index.js';

/** A manifest that parsed and whose routes compiled, or every fault found in it. */
export type DeploymentCheck =
  | { readonly ok: true; readonly manifest: DeploymentManifest; readonly routes: CompiledRoute[] }
  | { readonly ok: false; readonly faults: ManifestFault[] };

/** Compiled `$edgeHub` routes, or one `route` fault per route error, located under `basePath.routes.<name>`. */
export type EdgeHubRoutesCheck =
  | { readonly ok: true; readonly routes: CompiledRoute[] }
  | { readonly ok: false; readonly faults: ManifestFault[] };

/**
 * Compiles the routes of validated `$edgeHub` desired properties. A route set is accepted or refused as a whole
 * (reference §1.4: a route that fails to compile fails the whole config update).
 */
export function compileEdgeHubRoutes(edgeHub: Pick<EdgeHubConfig, 'routes'>, basePath = '$edgeHub.properties.desired'): EdgeHubRoutesCheck {
  const specs: Record<string, RouteSpec> = {};
  for (const r of edgeHub.routes) specs[r.name] = { route: r.route, priority: r.priority, timeToLiveSecs: r.timeToLiveSecs };
  const compiled = compileRoutes(specs);
  if (compiled.ok) return compiled;
  const faults = compiled.errors.map((e): ManifestFault => {
    const path = `${basePath}.routes.${e.route}`;
    return { path, rule: 'route', message: `${path}: ${e.message}`, statusCode: 400 };
  });
  return { ok: false, faults };
}

/**
 * Validates a whole deployment manifest as the cloud, the agent and the hub will: the manifest rules
 * (reference §1) first, then the route language (§3) over the `$edgeHub` routes. Never throws on bad input.
 */
export function checkDeploymentManifest(input: unknown): DeploymentCheck {
  const parsed = parseDeploymentManifest(input);
  if (!parsed.ok) return parsed;
  const routes = compileEdgeHubRoutes(parsed.manifest.edgeHub);
  if (!routes.ok) return routes;
  return { ok: true, manifest: parsed.manifest, routes: routes.routes };
}
