// Public API of the route language (reference azure-iot-edge.md §3): compile a route table once, then route
// every message with a pure function.
export { compileRoute, compileRoutes, DEFAULT_ROUTE_PRIORITY, MAX_ROUTE_TTL_SECS } from './compile-routes.js';
export type { CompileRoutesResult, RouteSpec } from './compile-routes.js';
export type { CompiledRouteCondition, CompiledRoute } from './compile-route.js';
export type { RouteConditionResult } from './compile-condition.js';
export { createRouteEvaluationContext } from './eval-context.js';
export type { RouteEvaluationContext } from './eval-context.js';
export { routeMessage } from './route-message.js';
export type { Delivery } from './route-message.js';
export { explainRoutes } from './explain.js';
export type { RouteExplainReason, RouteExplanation } from './explain.js';
export { endpointId } from './sink.js';
export type { Endpoint } from './sink.js';
export { messageSource, normalizeSource, sourceMatches, TELEMETRY_SOURCE, TWIN_CHANGE_SOURCE } from './source.js';
export type { RouteCompileError, RouteErrorCode } from './route-error.js';
