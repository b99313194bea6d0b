import { compileRouteText } from './compile-route.js';
import type { CompiledRoute } from './compile-route.js';
import { routeError, toVergeError } from './route-error.js';
import type { RouteCompileError } from './route-error.js';

/** Priority of routes given as plain strings: below every explicit priority (edgeHub RouteFactory.DefaultPriority). */
export const DEFAULT_ROUTE_PRIORITY = 2_000_000_000;
/** Largest `timeToLiveSecs` (uint32). */
export const MAX_ROUTE_TTL_SECS = 4_294_967_295;

/**
 * A route as `$edgeHub` desired properties give it (reference §1.4): the route string (schema 1.0+), or an
 * object with optional priority 0–9 (0 = highest) and TTL in seconds (0 = use the global TTL), schema 1.1+.
 */
export type RouteSpec = string | { readonly route: string; readonly priority?: number; readonly timeToLiveSecs?: number };

/** Result of compiling a route table: every route, or every error of every route. */
export type CompileRoutesResult =
  | { readonly ok: true; readonly routes: CompiledRoute[] }
  | { readonly ok: false; readonly errors: RouteCompileError[] };

const NAME = /^[^.$# ]+$/;

interface ValidSpec {
  readonly text: string;
  readonly priority: number;
  readonly ttlSecs: number;
}

function describe(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
}

function validatePriority(name: string, p: unknown, errors: RouteCompileError[]): number {
  if (p === undefined) return DEFAULT_ROUTE_PRIORITY;
  // edgeHub also accepts its internal default, 2000000000, written out explicitly.
  if (typeof p === 'number' && Number.isInteger(p) && ((p >= 0 && p <= 9) || p === DEFAULT_ROUTE_PRIORITY)) return p;
  errors.push(routeError('ROUTE_PRIORITY_INVALID', name, `priority ${describe(p)} is invalid: it must be an integer from 0 (highest) to 9 (lowest)`));
  return DEFAULT_ROUTE_PRIORITY;
}

function validateTtl(name: string, t: unknown, errors: RouteCompileError[]): number {
  if (t === undefined) return 0;
  if (typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= MAX_ROUTE_TTL_SECS) return t;
  errors.push(routeError('ROUTE_TTL_INVALID', name, `timeToLiveSecs ${describe(t)} is invalid: it must be an integer from 0 (use the global TTL) to ${MAX_ROUTE_TTL_SECS}`));
  return 0;
}

function validateSpec(name: string, spec: unknown, errors: RouteCompileError[]): ValidSpec | undefined {
  if (!NAME.test(name)) {
    errors.push(routeError('ROUTE_NAME_INVALID', name, `name '${name}' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space`));
  }
  if (typeof spec === 'string') return { text: spec, priority: DEFAULT_ROUTE_PRIORITY, ttlSecs: 0 };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    errors.push(routeError('ROUTE_SPEC_INVALID', name, `${describe(spec)} is not a route string or an object { route, priority?, timeToLiveSecs? }`));
    return undefined;
  }
  const { route, priority, timeToLiveSecs } = spec as Record<string, unknown>;
  const valid = { priority: validatePriority(name, priority, errors), ttlSecs: validateTtl(name, timeToLiveSecs, errors) };
  if (typeof route !== 'string') {
    errors.push(routeError('ROUTE_SPEC_INVALID', name, `"route" must be a string, found ${describe(route)}`));
    return undefined;
  }
  return { text: route, ...valid };
}

function compileOne(name: string, spec: unknown): CompiledRoute | RouteCompileError[] {
  const errors: RouteCompileError[] = [];
  const valid = validateSpec(name, spec, errors);
  if (valid === undefined) return errors;
  const compiled = compileRouteText(name, valid.text, valid.priority, valid.ttlSecs);
  if (Array.isArray(compiled)) return [...errors, ...compiled];
  return errors.length > 0 ? errors : compiled;
}

/**
 * Compiles a route table (`$edgeHub` `routes`). Every route is compiled and every error reported, each with the
 * route's name, a code and a message; a table with any error is rejected as a whole (edgeHub rejects the config).
 * Routes keep the order of `specs`, which breaks priority ties in routeMessage.
 */
export function compileRoutes(specs: Readonly<Record<string, RouteSpec>>): CompileRoutesResult {
  if (typeof specs !== 'object' || specs === null || Array.isArray(specs)) {
    return { ok: false, errors: [routeError('ROUTE_SPEC_INVALID', '', 'routes must be an object mapping route names to routes')] };
  }
  const routes: CompiledRoute[] = [];
  const errors: RouteCompileError[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const result = compileOne(name, spec);
    if (Array.isArray(result)) errors.push(...result);
    else routes.push(result);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, routes };
}

/** Compiles one route; throws a VergeError (code of the first problem, all problems in `details.errors`). */
export function compileRoute(name: string, spec: RouteSpec): CompiledRoute {
  const result = compileOne(name, spec);
  if (Array.isArray(result)) throw toVergeError(result);
  return result;
}
