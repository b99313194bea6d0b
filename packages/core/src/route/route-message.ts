import type { Message } from '@verge/contracts';
import type { CompiledRoute } from './compile-route.js';
import { createRouteEvaluationContext } from './eval-context.js';
import type { RouteEvaluationContext } from './eval-context.js';
import { hasPrefixIgnoreCase } from './invariant-text.js';
import type { Endpoint } from './sink.js';
import { messageSource, normalizeMessageSource } from './source.js';

/** One enqueue decision: the message goes to `endpoint` with this priority and TTL (reference §3.5). */
export interface Delivery {
  readonly endpoint: Endpoint;
  readonly endpointId: string;
  readonly priority: number;
  /** Seconds; 0 = the global store-and-forward TTL. */
  readonly ttlSecs: number;
  /** Name of the route that won this endpoint. */
  readonly route: string;
}

/** The message source routes are matched against: `source` if given (normalised), else derived (messageSource). */
export function effectiveSource(message: Message, source: string | undefined): string {
  return source === undefined ? messageSource(message.systemProperties) : normalizeMessageSource(source);
}

/** True when `route` applies to a message with source path `source` (normalised) and its condition is true. */
export function routeFires(route: CompiledRoute, source: string, ctx: RouteEvaluationContext): boolean {
  return hasPrefixIgnoreCase(source, route.source) && route.condition.evaluate(ctx) === true;
}

/** Whether `candidate` beats the current winner of its endpoint: a strictly lower priority number wins. */
export function outranks(candidate: CompiledRoute, current: CompiledRoute | undefined): boolean {
  return current === undefined || candidate.priority < current.priority;
}

function toDelivery(route: CompiledRoute): Delivery {
  return { endpoint: route.endpoint, endpointId: route.endpointId, priority: route.priority, ttlSecs: route.ttlSecs, route: route.name };
}

/**
 * Routes one message (reference §3.5, edgeHub `Evaluator.Evaluate`): every route is considered (no first-match),
 * and the matching ones are deduplicated per endpoint, keeping the lowest priority number and that route's TTL;
 * on a tie the earlier route wins. Deliveries are ordered by each endpoint's first matching route. Pure and total:
 * `[]` means the message is unrouted (the caller counts it as dropped).
 */
export function routeMessage(message: Message, routes: readonly CompiledRoute[], source?: string): Delivery[] {
  const ctx = createRouteEvaluationContext(message);
  const path = effectiveSource(message, source);
  const winners = new Map<string, CompiledRoute>();
  for (const route of routes) {
    const current = winners.get(route.endpointId);
    // A route that cannot outrank the current winner need not be evaluated (conditions are pure).
    if (!outranks(route, current) || !routeFires(route, path, ctx)) continue;
    winners.set(route.endpointId, route);
  }
  return [...winners.values()].map(toDelivery);
}
