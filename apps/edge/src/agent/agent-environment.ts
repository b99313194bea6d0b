import type { ModuleSpec } from '@verge/contracts';
import { canonicalJson, IOT_HUB_MQTT_PORT, type ModuleType } from '@verge/core';

/** `IOTEDGE_APIVERSION` given to modules: the workload API version edgeAgent itself uses (reference §6.1). */
export const DEFAULT_WORKLOAD_API_VERSION = '2020-07-07';

/**
 * The edge runtime's own settings that the agent hands to modules and reports, built once by the composition root
 * from its configuration (restart-only settings; STYLE §2.6).
 */
export interface AgentEnvironment {
  /** The edge device id. */
  readonly deviceId: string;
  /** The cloud's `HostName` (token audience), `IOTEDGE_IOTHUBHOSTNAME`. */
  readonly iotHubHostName: string;
  /** Host name modules and leaf devices dial (`--hostname`), `IOTEDGE_GATEWAYHOSTNAME`. */
  readonly gatewayHostName: string;
  /** MQTT port of the edge hub (`--mqtt-port`); appended to the gateway host name when it is not 8883. */
  readonly hubMqttPort: number;
  /**
   * The Docker network container modules join unless their createOptions choose another, and the gateway host name
   * they get there (the Docker runtime sets their `IOTEDGE_GATEWAYHOSTNAME` to it, port 8883 implied). Part of the
   * runtime fingerprint: a runtime started with another network recreates the containers it adopts.
   */
  readonly moduleNetwork?: { readonly name: string; readonly hostName: string };
  /**
   * `IOTEDGE_WORKLOADURI` as a module of `type` sees it: for containers the path the runtime mounts the module's
   * socket at (e.g. `unix:///var/run/iotedge/workload.sock`), for processes the module's socket on the host, or a
   * loopback `http://` URI. Must be a pure function of its arguments (it enters the runtime fingerprint).
   */
  readonly workloadUri: (moduleId: string, type: ModuleType) => string;
  /** `IOTEDGE_APIVERSION`; default {@link DEFAULT_WORKLOAD_API_VERSION}. */
  readonly apiVersion?: string;
  /** More variables for every module (e.g. `RuntimeLogLevel`, `UpstreamProtocol`). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * A digest of the trust bundle the workload API serves (the edge CA and the cloud CA). Modules read it when they
   * start, so it is part of the runtime fingerprint: after the edge CA was renewed or the cloud CA changed, the
   * modules a restarted runtime adopts (containers keep running across it) are recreated to trust the new one, as
   * IoT Edge restarts them.
   */
  readonly trustBundleDigest?: string;
  /** Reported `runtime` of `$edgeAgent` (reference §2.1). */
  readonly runtime: { readonly type: string; readonly platform: { readonly os: string; readonly architecture: string; readonly version: string } };
  /** Reported `version` of `$edgeAgent`. */
  readonly version: { readonly version: string; readonly build: string; readonly commit: string };
}

/**
 * `IOTEDGE_GATEWAYHOSTNAME`: the gateway host, with `:port` when the hub does not listen on 8883, because the SDK has
 * no port option and dials `mqtts://{gateway}` (azure-sdk-protocol.md §1).
 */
export function gatewayHostWithPort(env: Pick<AgentEnvironment, 'gatewayHostName' | 'hubMqttPort'>): string {
  return env.hubMqttPort === IOT_HUB_MQTT_PORT ? env.gatewayHostName : `${env.gatewayHostName}:${env.hubMqttPort}`;
}

/**
 * The variables the runtime injects into a module (reference §6.1; `ModuleClient.fromEnvironment` needs all but
 * `IOTEDGE_GATEWAYHOSTNAME` and `IOTEDGE_APIVERSION`). The module's own `env` is merged under them by the runtime.
 */
export function injectedModuleEnv(env: AgentEnvironment, spec: Pick<ModuleSpec, 'id' | 'type'>, generationId: string): Record<string, string> {
  return {
    ...env.extraEnv,
    IOTEDGE_WORKLOADURI: env.workloadUri(spec.id, spec.type),
    IOTEDGE_DEVICEID: env.deviceId,
    IOTEDGE_MODULEID: spec.id,
    IOTEDGE_IOTHUBHOSTNAME: env.iotHubHostName,
    IOTEDGE_GATEWAYHOSTNAME: gatewayHostWithPort(env),
    IOTEDGE_AUTHSCHEME: 'sasToken',
    IOTEDGE_MODULEGENERATIONID: generationId,
    IOTEDGE_APIVERSION: env.apiVersion ?? DEFAULT_WORKLOAD_API_VERSION,
  };
}

/**
 * `DesiredState.runtimeFingerprint`: everything the runtime injects into every module, so that a runtime started
 * with other settings (host names, hub port, workload URI, extra env, trust bundle) recreates the modules it adopts.
 * The per-module generation id is not part of it: it enters each module's own hash (`DesiredState.identityGenerations`).
 */
export function runtimeFingerprint(env: AgentEnvironment): string {
  const probe = '{module}';
  return canonicalJson({
    deviceId: env.deviceId,
    iotHubHostName: env.iotHubHostName,
    gateway: gatewayHostWithPort(env),
    ...(env.moduleNetwork === undefined ? {} : { moduleNetwork: env.moduleNetwork }),
    apiVersion: env.apiVersion ?? DEFAULT_WORKLOAD_API_VERSION,
    extraEnv: env.extraEnv ?? {},
    workload: { docker: env.workloadUri(probe, 'docker'), process: env.workloadUri(probe, 'process') },
    ...(env.trustBundleDigest === undefined ? {} : { trustBundle: env.trustBundleDigest }),
  });
}
