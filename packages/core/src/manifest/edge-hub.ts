import {
  DEFAULT_ROUTE_PRIORITY,
  IntegrityWire,
  ROUTE_NAME_PATTERN,
  RouteObjectWire,
  StoreAndForwardWire,
  type EdgeHubConfig,
  type ManifestFault,
  type RouteSpec,
} from '@verge/contracts';
import { getOwn, isPlainObject } from '../twin/json.js';
import type { DesiredReadOptions } from './edge-agent.js';
import { makeFault, pathOf, readWith, type FaultList } from './faults.js';
import { readEdgeHubSchemaVersion } from './schema-version.js';

/** Outcome of reading `$edgeHub` desired properties. */
export type EdgeHubDesiredResult = { readonly ok: true; readonly config: EdgeHubConfig } | { readonly ok: false; readonly faults: ManifestFault[] };

/**
 * Reads the `$edgeHub` desired properties as EH does (reference §1.4, EdgeHubConfigParser): schema 1.0 takes
 * route strings only and may omit `routes` and `storeAndForwardConfiguration`; 1.1+ take a string or
 * `{ route, priority?, timeToLiveSecs? }` and require both; 1.2's `mqttBroker` is accepted and ignored; 1.3 adds
 * `integrity`. Routes are checked for shape only (names `^[^.$# ]+$`, priority 0–9, TTL uint32), not compiled.
 * Every fault maps to lastDesiredStatus 400; a schemaVersion that parses but is unsupported gives only that fault.
 */
export function parseEdgeHubDesired(desired: unknown, options: DesiredReadOptions = {}): EdgeHubDesiredResult {
  const faults: FaultList = [];
  const config = readEdgeHubDesired(desired, options.basePath ?? '', faults);
  return config === undefined ? { ok: false, faults } : { ok: true, config };
}

/** Reads `$edgeHub` desired properties at `path`, appending faults; undefined when there is any. */
export function readEdgeHubDesired(desired: unknown, path: string, faults: FaultList): EdgeHubConfig | undefined {
  if (!isPlainObject(desired)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const schema = readEdgeHubSchemaVersion(getOwn(desired, 'schemaVersion'), pathOf(path, 'schemaVersion'));
  if (schema.fault !== undefined) faults.push(schema.fault);
  if (schema.unsupported === true) return undefined;
  // Without a readable version, check against the newest schema so the other faults are still reported.
  const minor = schema.version?.[1] ?? 3;
  const routes = readRoutes(getOwn(desired, 'routes'), pathOf(path, 'routes'), minor, faults);
  const storeRaw = getOwn(desired, 'storeAndForwardConfiguration');
  const storePath = pathOf(path, 'storeAndForwardConfiguration');
  const store = minor === 0 && storeRaw === undefined ? undefined : readWith(StoreAndForwardWire, storeRaw, storePath, faults);
  const integrityRaw = getOwn(desired, 'integrity');
  const integrity = minor >= 3 && integrityRaw !== undefined ? readWith(IntegrityWire, integrityRaw, pathOf(path, 'integrity'), faults) : undefined;
  if (faults.length > before || schema.text === undefined || routes === undefined) return undefined;
  const version = getOwn(desired, '$version');
  const maxSizeBytes = store?.storeLimits?.maxSizeBytes;
  return {
    schemaVersion: schema.text,
    ...(typeof version === 'number' ? { desiredVersion: version } : {}),
    routes,
    ...(store === undefined ? {} : { storeAndForward: { timeToLiveSecs: store.timeToLiveSecs, ...(maxSizeBytes === undefined ? {} : { maxSizeBytes }) } }),
    ...(integrity === undefined ? {} : { integrity }),
  };
}

/** Reads `routes` (an object of routes by name) at `path` for `$edgeHub` schema 1.`minor`, appending faults. */
export function readRoutes(raw: unknown, path: string, minor: number, faults: FaultList): RouteSpec[] | undefined {
  // EH 1.0 tolerates a missing `routes`; 1.1+ require it (EdgeHubDesiredProperties_1_1 CheckNotNull).
  if (raw === undefined && minor === 0) return [];
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, raw === undefined ? 'required' : 'type', raw === undefined ? 'required' : 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const routes: RouteSpec[] = [];
  for (const name of Object.keys(raw)) {
    const routePath = pathOf(path, name);
    if (!ROUTE_NAME_PATTERN.test(name)) {
      faults.push(makeFault(routePath, 'pattern', `route name ${JSON.stringify(name)} must not be empty or contain ".", "$", "#" or spaces`));
    }
    const route = readRoute(name, raw[name], routePath, minor, faults);
    if (route !== undefined) routes.push(route);
  }
  return faults.length > before ? undefined : routes;
}

function readRoute(name: string, value: unknown, path: string, minor: number, faults: FaultList): RouteSpec | undefined {
  if (typeof value === 'string') {
    if (value.trim() !== '') return { name, route: value, priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 0 };
    // EH 1.0 skips blank route strings; 1.1+ reject them (RouteSpec CheckNonWhiteSpace).
    if (minor > 0) faults.push(makeFault(path, 'non-empty', 'must not be empty'));
    return undefined;
  }
  if (minor === 0) {
    faults.push(makeFault(path, 'type', 'must be a string (route objects need schemaVersion 1.1 or later)'));
    return undefined;
  }
  if (!isPlainObject(value)) {
    faults.push(makeFault(path, 'type', 'must be a route string or an object { route, priority?, timeToLiveSecs? }'));
    return undefined;
  }
  const spec = readWith(RouteObjectWire, value, path, faults);
  if (spec === undefined) return undefined;
  return { name, route: spec.route, priority: spec.priority ?? DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: spec.timeToLiveSecs ?? 0 };
}
