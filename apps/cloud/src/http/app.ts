import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { errorHandlerPlugin, systemClock } from '@verge/platform';
import type { PolicyRight } from '../store/records.js';
import type { ApiDeps, EventStreamSettings } from './api-deps.js';
import type { ApiRoute, ApiRouteConfig } from './api-route.js';
import { createChangeFeed, defaultChangeFeedSettings } from './change-feed.js';
import { createEventStreamRegistry } from './sse-response.js';
import { defaultDashboardDir, loadDashboardFiles, registerDashboard, type DashboardRouteConfig } from './dashboard-files.js';
import { authenticateCaller, type Caller } from './caller-auth.js';
import { decorateIotHubError } from './iothub-error-body.js';
import { acceptEmptyJsonBodies } from './json-body-parser.js';
import { buildOpenApiDocument, openApiPath } from './openapi.js';
import { c2dRoutes } from './routes/c2d-routes.js';
import { changeRoutes } from './routes/change-routes.js';
import { configurationRoutes } from './routes/configuration-routes.js';
import { deploymentInsightRoutes } from './routes/deployment-insight-routes.js';
import { deviceBulkRoutes } from './routes/device-bulk-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { edgeRoutes } from './routes/edge-routes.js';
import { fileRoutes } from './routes/file-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { methodRoutes } from './routes/method-routes.js';
import { moduleRoutes } from './routes/module-routes.js';
import { queryRoutes } from './routes/query-routes.js';
import { rolloutRoutes } from './routes/rollout-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { telemetryRoutes } from './routes/telemetry-routes.js';
import { twinRoutes } from './routes/twin-routes.js';

const defaultStreamSettings: EventStreamSettings = { heartbeatMs: 15_000, maxBufferedBytes: 8 * 1024 * 1024, maxReplay: 10_000 };

/** The service API's version as shown in the OpenAPI document. */
export const API_VERSION = '2021-04-12';

/** The fastify app of the service API and the route table it serves. */
export interface ServiceApp {
  readonly app: FastifyInstance;
  readonly routes: readonly ApiRoute[];
  /** Every method + URL fastify registered (HEAD routes excluded), as fastify reports them: the ground truth for docs. */
  readonly registered: readonly { readonly method: string; readonly url: string }[];
  /** Requests being served right now on any listener (event streams included), for a graceful shutdown. */
  inFlight(): number;
}

/**
 * Builds the service REST API (IoT Hub shapes) without listening: tests drive it with `app.inject()`, the
 * composition root serves the same instance on HTTP and HTTPS. Every route but `/healthz` and `/openapi.json`
 * requires a shared access policy token with the route's right; the routes marked `deviceAccess` also take the
 * token of the IoT Edge device they name (docs/edge-cloud.md, `authenticateCaller`).
 */
export function buildApp(deps: ApiDeps): ServiceApp {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines are written at debug by the onResponse hook below, not at info by fastify.
    logController: new LogController({ disableRequestLogging: true }),
    // Device and module ids may hold characters like ':' or '?' (URL-encoded by clients); keep them whole.
    // azure-iothub's Registry.list() asks for `/devices/` (endpoint.devicePath('')): a trailing slash must not matter.
    routerOptions: { maxParamLength: 512, ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  acceptEmptyJsonBodies(app);
  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    // The dashboard's pages (`/`, `/assets/…`) are not service API routes: kept out of the OpenAPI ground truth.
    if ((r.config as Partial<DashboardRouteConfig> | undefined)?.dashboard === true) return;
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push({ method, url: r.url });
  });
  // Set by the auth hook for every authenticated request (per app, so no state is shared between apps).
  const callers = new WeakMap<FastifyRequest, Caller>();
  const callerOf = (request: FastifyRequest): Caller | undefined => callers.get(request);
  const streams = createEventStreamRegistry({ acceptedUntilMs: (request) => callers.get(request)?.acceptedUntilMs, clock: deps.clock });
  const stream = { bus: deps.bus, telemetry: deps.telemetry, registry: streams, settings: { ...defaultStreamSettings, ...deps.eventStream } };
  // Real timers: `deps.clock` only reads the time (a fake clock in API tests); the feed's window is not business time.
  const changes = { feed: createChangeFeed(deps.bus, systemClock, defaultChangeFeedSettings), registry: streams, settings: stream.settings };
  // The document is built from the route table, which includes the route serving it.
  const openApi: { document?: unknown } = {};
  const routes: ApiRoute[] = [
    ...deviceRoutes(deps),
    ...deviceBulkRoutes(deps),
    ...moduleRoutes(deps, callerOf),
    ...edgeRoutes(deps),
    ...deploymentInsightRoutes(deps),
    ...twinRoutes(deps),
    ...methodRoutes(deps),
    ...queryRoutes(deps),
    ...c2dRoutes(deps),
    ...rolloutRoutes(deps),
    ...configurationRoutes(deps),
    ...jobRoutes(deps),
    ...fileRoutes(deps),
    ...telemetryRoutes(deps, stream),
    ...changeRoutes(changes),
    ...systemRoutes(deps, () => openApi.document),
    ...metricsRoutes(deps),
  ];
  openApi.document = buildOpenApiDocument(routes, {
    title: 'Verge cloud service API',
    version: API_VERSION,
    description: "Azure IoT Hub's service REST API shapes (registry, twins, direct methods, query, cloud-to-device), plus telemetry out. `?api-version=` is accepted and ignored.",
  });

  void app.register(errorHandlerPlugin, {
    decorateBody: (body, status, request) => decorateIotHubError(body, status, String(request.id), new Date(deps.clock.nowMs()).toISOString()),
  });
  let inFlight = 0;
  app.addHook('onRequest', async (_request, reply) => {
    inFlight += 1;
    reply.raw.once('close', () => void (inFlight -= 1));
  });
  const deviceRoutesText = routes.filter((r) => r.deviceAccess === true).map(routeLabel);
  app.addHook('onRequest', async (request) => {
    const caller = await authorize(request, deps, deviceRoutesText);
    if (caller !== undefined) callers.set(request, caller);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url.split('?')[0], statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime) }, 'request');
    // By route template, never the raw URL (bounded series: metrics/cloud-metric-counts.ts).
    deps.metrics?.counts.observeRequest({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, durationMs: reply.elapsedTime });
  });
  app.addHook('preClose', async () => streams.endAll());

  for (const route of routes.filter((r) => r.rawBody !== true)) addRoute(app, route);
  registerDashboard(app, loadDashboardFiles(deps.dashboardDir === undefined ? defaultDashboardDir() : (deps.dashboardDir ?? undefined)));
  void app.register(async (child) => {
    // Raw-body routes (C2D payloads) take any content type as bytes; encapsulated so JSON routes keep their parser.
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    for (const route of routes.filter((r) => r.rawBody === true)) addRoute(child, route);
  });
  return { app, routes, registered, inFlight: () => inFlight };
}

function addRoute(app: FastifyInstance, route: ApiRoute): void {
  const config: ApiRouteConfig = { auth: route.auth, operationId: route.operationId, deviceAccess: route.deviceAccess === true };
  app.route({
    method: route.method,
    url: route.url,
    config,
    ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
    handler: async (request, reply) => route.handler(request, reply),
  });
}

async function authorize(request: FastifyRequest, deps: ApiDeps, deviceRoutes: readonly string[]): Promise<Caller | undefined> {
  const config = request.routeOptions.config as Partial<ApiRouteConfig>;
  // Unknown routes fall through to the not-found handler without credentials being checked.
  if (config.auth === undefined || config.auth === 'anonymous') return undefined;
  const deviceId = (request.params as Record<string, string | undefined> | undefined)?.['id'];
  const route = {
    label: routeLabel({ method: request.method, url: request.routeOptions.url ?? request.url }),
    right: config.auth satisfies PolicyRight,
    deviceAccess: config.deviceAccess === true,
    deviceId,
  };
  return authenticateCaller(request.headers.authorization, route, {
    hostName: deps.hostName,
    nowSec: Math.floor(deps.clock.nowMs() / 1000),
    findPolicy: (name) => deps.policies.get(name),
    findIdentity: (id) => deps.endpoint.getAuthRecord(id),
    deviceRoutes,
  });
}

/** `GET /devices/{id}/modules`: a route as messages and the docs name it. */
function routeLabel(route: { readonly method: string; readonly url: string }): string {
  return `${route.method} ${openApiPath(route.url)}`;
}
