import type { SinkSyntax } from './ast.js';
import { equalsIgnoreCase } from './invariant-text.js';
import { routeErrorAt } from './route-error.js';
import type { RouteCompileError } from './route-error.js';

/**
 * Route sinks (reference §3.4): `$upstream` (IoT Hub) or `BrokeredEndpoint("/modules/<m>/inputs/<i>")`
 * (a module input). No wildcards; messages cannot be routed to leaf devices.
 */
export type Endpoint =
  | { readonly kind: 'upstream' }
  | { readonly kind: 'moduleInput'; readonly moduleId: string; readonly input: string };

/** Canonical endpoint id: `$upstream` or `/modules/{moduleId}/inputs/{input}`. Deliveries are deduplicated by it. */
export function endpointId(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'upstream':
      return '$upstream';
    case 'moduleInput':
      return `/modules/${endpoint.moduleId}/inputs/${endpoint.input}`;
    default: {
      const never: never = endpoint;
      return never;
    }
  }
}

const EXPECTED = 'expected $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")';

// edgeHub EndpointFactory.CreateFunctionEndpoint: trim, drop one leading and one trailing '/', split on '/'.
function moduleInput(address: string): Endpoint | undefined {
  let a = address.trim();
  if (a.startsWith('/')) a = a.slice(1);
  if (a.endsWith('/')) a = a.slice(0, -1);
  const parts = a.split('/');
  if (parts.length !== 4) return undefined;
  const [modules, moduleId, inputs, input] = parts as [string, string, string, string];
  // edgeHub ignores the first and third segments; Verge requires them to read `modules` and `inputs`.
  if (!equalsIgnoreCase(modules, 'modules') || !equalsIgnoreCase(inputs, 'inputs') || moduleId === '' || input === '') return undefined;
  return Object.freeze({ kind: 'moduleInput', moduleId, input });
}

const UPSTREAM: Endpoint = Object.freeze({ kind: 'upstream' });

/** Resolves a parsed sink to an endpoint, or the error to report (code ROUTE_SINK_INVALID). */
export function resolveSink(route: string, text: string, sink: SinkSyntax): Endpoint | RouteCompileError {
  if (sink.kind === 'system') {
    if (equalsIgnoreCase(sink.name, '$upstream')) return UPSTREAM;
    return routeErrorAt('ROUTE_SINK_INVALID', route, text, sink.start, `unsupported sink '${sink.name}'; ${EXPECTED}`);
  }
  if (!equalsIgnoreCase(sink.name, 'BrokeredEndpoint')) {
    return routeErrorAt('ROUTE_SINK_INVALID', route, text, sink.start, `unsupported sink function '${sink.name}'; ${EXPECTED}`);
  }
  const endpoint = moduleInput(sink.address);
  if (endpoint !== undefined) return endpoint;
  const problem = `BrokeredEndpoint address '${sink.address}' is not of the form /modules/<module>/inputs/<input>`;
  return routeErrorAt('ROUTE_SINK_INVALID', route, text, sink.addressStart, problem);
}
