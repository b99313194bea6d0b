import type { Message } from '@verge/contracts';
import type { CompiledRoute } from './compile-route.js';
import { createRouteEvaluationContext } from './eval-context.js';
import type { RouteEvaluationContext } from './eval-context.js';
import { hasPrefixIgnoreCase } from './invariant-text.js';
import { effectiveSource, outranks } from './route-message.js';

/** Why a route did or did not deliver a message. */
export type RouteExplainReason = 'source-mismatch' | 'condition-false' | 'condition-undefined' | 'matched' | 'outranked';

/**
 * One route's verdict for one message. `matched` is true when source and condition both matched — including
 * `outranked`, where another route delivers to the same endpoint with a better (or equal, earlier) priority.
 */
export interface RouteExplanation {
  readonly route: string;
  readonly matched: boolean;
  readonly reason: RouteExplainReason;
  readonly detail?: string;
}

function conditionDetail(route: CompiledRoute, ctx: RouteEvaluationContext, value: boolean | undefined): string {
  const where = `WHERE ${route.condition.text ?? 'true'}`;
  if (value === false) return `${where} is false`;
  const body = route.condition.readsBody ? ctx.body() : undefined;
  if (body !== undefined && !body.ok) return `${where} is undefined: $body cannot be queried because ${body.reason}`;
  return `${where} is undefined (a property it reads is missing, or a value has an unexpected type)`;
}

function ttlText(ttlSecs: number): string {
  return ttlSecs === 0 ? 'the global TTL' : `TTL ${ttlSecs} s`;
}

/**
 * Explains, route by route and in route order, what routeMessage does with `message`: whether each route's
 * source matched, what its condition evaluated to, and which matching route won each endpoint.
 */
export function explainRoutes(message: Message, routes: readonly CompiledRoute[], source?: string): RouteExplanation[] {
  const ctx = createRouteEvaluationContext(message);
  const path = effectiveSource(message, source);
  const verdicts = routes.map((route) => {
    if (!hasPrefixIgnoreCase(path, route.source)) return { route, value: undefined, sourceMatched: false };
    return { route, value: route.condition.evaluate(ctx), sourceMatched: true };
  });
  // Winner per endpoint by index, so a route object listed twice is still judged by position.
  const winners = new Map<string, number>();
  verdicts.forEach((v, i) => {
    const current = winners.get(v.route.endpointId);
    if (v.value === true && outranks(v.route, current === undefined ? undefined : routes[current])) winners.set(v.route.endpointId, i);
  });
  return verdicts.map(({ route, value, sourceMatched }, i): RouteExplanation => {
    if (!sourceMatched) {
      return { route: route.name, matched: false, reason: 'source-mismatch', detail: `message source '${path}' does not start with '${route.source}'` };
    }
    if (value !== true) {
      const reason = value === false ? 'condition-false' : 'condition-undefined';
      return { route: route.name, matched: false, reason, detail: conditionDetail(route, ctx, value) };
    }
    const winnerIndex = winners.get(route.endpointId);
    const winner = winnerIndex === undefined ? undefined : routes[winnerIndex];
    if (winner !== undefined && winnerIndex !== i) {
      const detail = `route '${winner.name}' delivers to ${route.endpointId} with priority ${winner.priority}`;
      return { route: route.name, matched: true, reason: 'outranked', detail };
    }
    const detail = `delivers to ${route.endpointId} with priority ${route.priority} and ${ttlText(route.ttlSecs)}`;
    return { route: route.name, matched: true, reason: 'matched', detail };
  });
}
