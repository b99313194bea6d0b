import { parseServiceConnectionString, createServiceAuthorizer, defaultTokenTtlSec } from './auth.js';
import { checkBaseUrl, defaultApiUrl } from './base-url.js';
import { sendC2d } from './c2d.js';
import { createFileOperations, type FileOperations } from './files.js';
import { applyConfigurationContent } from './configuration.js';
import { createConfigurationOperations, type ConfigurationOperations } from './configurations.js';
import { createDeploymentInsightOperations, type DeploymentInsightOperations } from './deployment-insight.js';
import { createDeviceOperations, type DeviceOperations } from './devices.js';
import type { EventStreamOptions } from './event-stream.js';
import { checkHealth } from './health.js';
import { createJobOperations, type JobOperations } from './jobs.js';
import { invokeMethod } from './methods.js';
import { createModuleOperations, type ModuleOperations } from './modules.js';
import { queryAll, queryPage, type QueryOptions } from './query.js';
import { createRolloutOperations, type RolloutOperations } from './rollouts.js';
import { recentMessages, streamTelemetry, type RecentMessagesOptions } from './telemetry.js';
import { createTransport, type FetchLike } from './transport.js';
import { createTwinOperations, type TwinOperations } from './twins.js';
import type { C2dAccepted, C2dMessageInput, HealthReport, MethodInvocation, MethodResult, QueryPage, TelemetryFilter, TelemetryMessage, TwinRef } from './types.js';

/** The api-version the client sends, the one azure-iothub 1.16 sends (`version.js`). */
export const apiVersion = '2021-04-12';

/** Options of `createApiClient`. */
export interface ApiClientOptions {
  /** A service connection string: `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`. */
  readonly connectionString: string;
  /** The API's base URL; default `https://{HostName}:8443`. */
  readonly baseUrl?: string;
  /** Default: the global `fetch`. Pass an adapter to trust a private CA. */
  readonly fetch?: FetchLike;
  /** Clock for token expiry; default `Date.now`. */
  readonly nowMs?: () => number;
  /** Lifetime of each request's SAS token; default 3600 s. */
  readonly tokenTtlSec?: number;
  /** Allow plain `http:` to a host that is not loopback (the token travels in clear text). Default false. */
  readonly allowInsecureRemote?: boolean;
}

/** A typed client of the cloud's IoT Hub-shaped service API. Every call may reject with ApiError. */
export interface ApiClient {
  /** `HostName` of the connection string (for device connection strings). */
  readonly hostName: string;
  readonly baseUrl: string;
  readonly devices: DeviceOperations;
  readonly modules: ModuleOperations;
  readonly twins: TwinOperations;
  /** Automatic deployments (`/configurations`): create, update, get, list, delete, metric device ids. */
  readonly configurations: ConfigurationOperations;
  /** Explain (`GET /devices/{id}/effective`) and dry-run (`POST /configurations[/{id}]/plan`) of automatic deployments. */
  readonly deploymentInsight: DeploymentInsightOperations;
  /** Staged rollouts of deployments (`/configurations/{id}/rollout`): state, pause, resume, abort. */
  readonly rollouts: RolloutOperations;
  /** IoT Hub jobs (`/jobs/v2`): twin updates and direct methods over the devices a query condition selects. */
  readonly jobs: JobOperations;
  /** What devices uploaded (IoT Hub file upload): list, download, notifications, an upload SAS URL. */
  readonly files: FileOperations;
  invokeMethod(ref: TwinRef, invocation: MethodInvocation, signal?: AbortSignal): Promise<MethodResult>;
  /** Every item of an IoT Hub query, page by page as the iteration proceeds. */
  query<T = unknown>(sql: string, options?: QueryOptions): AsyncGenerator<T, void, undefined>;
  queryPage<T = unknown>(sql: string, continuationToken?: string, options?: QueryOptions): Promise<QueryPage<T>>;
  sendC2d(deviceId: string, message: C2dMessageInput, signal?: AbortSignal): Promise<C2dAccepted>;
  /** Deploys a manifest (`{ modulesContent }`) to one IoT Edge device (`POST /devices/{id}/applyConfigurationContent`). */
  applyConfigurationContent(deviceId: string, content: unknown, signal?: AbortSignal): Promise<void>;
  recentMessages(options?: RecentMessagesOptions): Promise<TelemetryMessage[]>;
  /** Live device-to-cloud messages (Server-Sent Events) until `options.signal` aborts. */
  events(filter?: TelemetryFilter, options?: EventStreamOptions): AsyncGenerator<TelemetryMessage, void, undefined>;
  healthz(signal?: AbortSignal): Promise<HealthReport>;
}

/**
 * Creates the client. Throws VergeError (CONNECTION_STRING_INVALID, CLIENT_CONNECTION_STRING_INVALID,
 * CLIENT_BASE_URL_INVALID) for bad options; nothing is sent until a method is called.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const cs = parseServiceConnectionString(options.connectionString);
  const baseUrl = checkBaseUrl(options.baseUrl ?? defaultApiUrl(cs.hostName), options.allowInsecureRemote);
  const fetchImpl = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const transport = createTransport({
    baseUrl,
    fetch: fetchImpl,
    authorize: createServiceAuthorizer(cs, options.nowMs ?? Date.now, options.tokenTtlSec ?? defaultTokenTtlSec),
    apiVersion,
    newRequestId: () => globalThis.crypto.randomUUID(),
  });
  return {
    hostName: cs.hostName,
    baseUrl,
    devices: createDeviceOperations(transport),
    modules: createModuleOperations(transport),
    twins: createTwinOperations(transport),
    configurations: createConfigurationOperations(transport),
    deploymentInsight: createDeploymentInsightOperations(transport),
    rollouts: createRolloutOperations(transport),
    jobs: createJobOperations(transport),
    files: createFileOperations(transport),
    invokeMethod: (ref, invocation, signal) => invokeMethod(transport, ref, invocation, signal),
    query: (sql, queryOptions) => queryAll(transport, sql, queryOptions),
    queryPage: (sql, token, queryOptions) => queryPage(transport, sql, token, queryOptions),
    sendC2d: (deviceId, message, signal) => sendC2d(transport, deviceId, message, signal),
    applyConfigurationContent: (deviceId, content, signal) => applyConfigurationContent(transport, deviceId, content, signal),
    recentMessages: (messageOptions) => recentMessages(transport, messageOptions),
    events: (filter, streamOptions) => streamTelemetry(transport, filter, streamOptions),
    healthz: (signal) => checkHealth(transport, signal),
  };
}
