import { isVergeError } from '@verge/contracts';
import type { RouteSyntax } from './ast.js';
import { compileCondition } from './compile-condition.js';
import type { RouteConditionResult } from './compile-condition.js';
import type { RouteEvaluationContext } from './eval-context.js';
import { parseRoute } from './parser.js';
import type { RouteCompileError } from './route-error.js';
import { endpointId, resolveSink } from './sink.js';
import type { Endpoint } from './sink.js';
import { isTwinChangeSource, normalizeSource } from './source.js';

/** A compiled WHERE clause. */
export interface CompiledRouteCondition {
  /** The condition as written, or undefined when the route has no WHERE (then it is always true). */
  readonly text: string | undefined;
  /** True when the condition reads `$body` (so the body is decoded for it). */
  readonly readsBody: boolean;
  /** Evaluates the condition; the route fires only on `true`. Never throws. */
  readonly evaluate: (ctx: RouteEvaluationContext) => RouteConditionResult;
}

/** A route ready to evaluate: immutable, compiled once when the route table changes (reference §3). */
export interface CompiledRoute {
  readonly name: string;
  /** Normalised FROM path, e.g. `/messages/modules/sensor/` (see normalizeSource). */
  readonly source: string;
  readonly condition: CompiledRouteCondition;
  readonly endpoint: Endpoint;
  /** `endpointId(endpoint)`, computed once. */
  readonly endpointId: string;
  /** 0 (highest) to 9, or DEFAULT_ROUTE_PRIORITY for routes given as plain strings. */
  readonly priority: number;
  /** Route TTL in seconds; 0 means the global store-and-forward TTL applies (reference §4). */
  readonly ttlSecs: number;
  /** The route text as given. */
  readonly text: string;
}

const ALWAYS: CompiledRouteCondition = Object.freeze({ text: undefined, readsBody: false, evaluate: () => true });

function parse(name: string, text: string): RouteSyntax | RouteCompileError[] {
  try {
    return parseRoute(name, text);
  } catch (e) {
    const details = isVergeError(e) ? (e.details as { errors?: RouteCompileError[] } | undefined) : undefined;
    if (details?.errors !== undefined) return details.errors;
    throw e;
  }
}

/**
 * Compiles one route's text with its (already validated) priority and TTL. Collects every sink and condition
 * error of the route instead of stopping at the first; a syntax error stops compilation of that route.
 */
export function compileRouteText(name: string, text: string, priority: number, ttlSecs: number): CompiledRoute | RouteCompileError[] {
  const syntax = parse(name, text);
  if (Array.isArray(syntax)) return syntax;
  const errors: RouteCompileError[] = [];
  const source = normalizeSource(syntax.source);
  const endpoint = resolveSink(name, text, syntax.sink);
  if ('code' in endpoint) errors.push(endpoint);
  let condition = ALWAYS;
  if (syntax.condition !== undefined) {
    const env = { route: name, text, twinChangeSource: isTwinChangeSource(source), errors };
    const compiled = compileCondition(env, syntax.condition);
    if (compiled !== undefined) condition = Object.freeze({ text: syntax.conditionText, ...compiled });
  }
  if (errors.length > 0 || 'code' in endpoint) return errors;
  return Object.freeze({ name, source, condition, endpoint, endpointId: endpointId(endpoint), priority, ttlSecs, text });
}
