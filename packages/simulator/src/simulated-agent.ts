import type { EdgeAgentConfig, ManifestFault, ModuleSpec } from '@verge/contracts';
import {
  computeLastDesiredStatus,
  computeModuleReport,
  computeSystemModuleReport,
  desiredStateFromConfig,
  formatDotNetTime,
  parseEdgeAgentDesired,
  type DesiredState,
  type JsonObject,
  type ObservedModule,
  type StepFailure,
} from '@verge/core';
import { matchesPattern, type FailRule, type StartDelay } from './option-syntax.js';
import { unitHash } from './unit-hash.js';

/** Reported `version` of the simulated `$edgeAgent`. */
export const SIMULATOR_AGENT_VERSION = { version: '0.1.0', build: 'verge-simulator', commit: 'unknown' } as const;

/** Schema of the `$edgeAgent` reported properties (reference §2.1), as the edge runtime reports it. */
const REPORTED_SCHEMA_VERSION = '1.0';

/** What a simulated agent read from its `$edgeAgent` desired properties (as the real agent's `DesiredReading`). */
export interface AgentReading {
  /** `$version` of the latest desired properties read. */
  readonly version: number | undefined;
  readonly read: { readonly ok: true } | { readonly ok: false; readonly faults: readonly ManifestFault[] };
  /** The last deployment that passed validation (kept in force when a later one is refused). */
  readonly config: EdgeAgentConfig | undefined;
}

/** Reads desired properties as the agent does; an invalid deployment keeps the previous valid one in force. */
export function readAgentDesired(desired: Record<string, unknown>, previous: AgentReading | undefined): AgentReading {
  const version = typeof desired['$version'] === 'number' ? desired['$version'] : undefined;
  const parsed = parseEdgeAgentDesired(desired);
  if (parsed.ok) return { version, read: { ok: true }, config: parsed.config };
  return { version, read: { ok: false, faults: parsed.faults }, config: previous?.config };
}

/** Reads desired properties like {@link readAgentDesired}, remembering the last few documents read. */
export type DesiredReader = (desired: Record<string, unknown>, previous: AgentReading | undefined) => AgentReading;

/**
 * A {@link readAgentDesired} shared by a fleet: a deployment reaches thousands of devices with the same desired
 * properties (only `$version` may differ), so each distinct document is validated once. Keeps `capacity` documents.
 */
export function createDesiredReader(capacity = 32): DesiredReader {
  const cache = new Map<string, { readonly read: AgentReading['read']; readonly config: EdgeAgentConfig | undefined }>();
  return (desired, previous) => {
    const { $version: version, $metadata: _metadata, ...content } = desired;
    const key = JSON.stringify(content);
    let entry = cache.get(key);
    if (entry === undefined) {
      const reading = readAgentDesired(content, undefined);
      entry = { read: reading.read, config: reading.config };
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      cache.set(key, entry);
    }
    const v = typeof version === 'number' ? version : undefined;
    if (!entry.read.ok) return { version: v, read: entry.read, config: previous?.config };
    const config = entry.config as EdgeAgentConfig;
    return { version: v, read: entry.read, config: v === undefined ? config : { ...config, desiredVersion: v } };
  };
}

/** What the simulator decides for one device (seeded, see {@link unitHash}). */
export interface DeviceBehaviour {
  readonly seed: string;
  readonly deviceId: string;
  readonly failRules: readonly FailRule[];
}

/** The rule that makes a module of this device fail, if any: of the rules matching it, the highest rate draws. */
export function failingRule(behaviour: DeviceBehaviour, moduleId: string, image: string | undefined): FailRule | undefined {
  let chosen: FailRule | undefined;
  for (const rule of behaviour.failRules) {
    const subject = rule.selector === 'module' ? moduleId : image;
    if (subject === undefined || !matchesPattern(rule.pattern, subject)) continue;
    if (chosen === undefined || rule.rate > chosen.rate) chosen = rule;
  }
  if (chosen === undefined) return undefined;
  return unitHash(`${behaviour.seed}|fail|${behaviour.deviceId}|${moduleId}|${image ?? ''}`) < chosen.rate ? chosen : undefined;
}

/** How long this device takes to start the modules of desired `version` (uniform in the delay's range, seeded). */
export function startDelayMs(behaviour: DeviceBehaviour, delay: StartDelay, version: number | undefined): number {
  if (delay.maxMs === delay.minMs) return delay.minMs;
  return Math.round(delay.minMs + unitHash(`${behaviour.seed}|delay|${behaviour.deviceId}|${version ?? ''}`) * (delay.maxMs - delay.minMs));
}

/** Inputs of {@link buildAgentReport}. */
export interface AgentReportInput {
  readonly behaviour: DeviceBehaviour;
  readonly reading: AgentReading;
  /** When the simulated runtime process started (system modules run since then). */
  readonly runtimeStartedAtMs: number;
  /** When the modules of the deployment in force were started. */
  readonly modulesStartedAtMs: number;
  readonly nowMs: number;
}

/** A report and what it says, for the fleet's counters. */
export interface AgentReport {
  readonly doc: JsonObject;
  readonly code: number;
  /** `lastDesiredVersion` of the report. */
  readonly version: number | undefined;
  /** Modules (and `edgeHub`) that the failure rules made fail. */
  readonly failedModules: readonly string[];
}

/**
 * The complete `$edgeAgent` reported properties (reference §2.1–2.3) of a simulated device, built with the edge
 * agent's own pure report functions (`@verge/core` agent): the deployment's modules run, except those a failure
 * rule selects, which exited with code 1 after their start failed (`runtimeStatus` backoff, or failed under
 * restart policy `never`; `lastDesiredStatus` 500 naming them).
 */
export function buildAgentReport(input: AgentReportInput): AgentReport {
  const { reading, behaviour } = input;
  const config = reading.config;
  const desired = config === undefined ? undefined : desiredStateFromConfig(config);
  const failures = new Map<string, StepFailure>();
  const failedModules: string[] = [];
  const observed: ObservedModule[] = [];
  for (const spec of desired?.modules.values() ?? []) {
    const rule = failingRule(behaviour, spec.id, imageOf(spec));
    if (rule !== undefined) {
      failures.set(`startModule:${spec.id}`, simulatedFailure(desired as DesiredState, rule, input.modulesStartedAtMs));
      failedModules.push(spec.id);
    }
    observed.push(observedModule(spec, rule !== undefined, input.modulesStartedAtMs));
  }
  const hubRule = config === undefined ? undefined : failingRule(behaviour, 'edgeHub', imageOf(config.systemModules.edgeHub));
  if (hubRule !== undefined && desired !== undefined) {
    failures.set('startModule:edgeHub', simulatedFailure(desired, hubRule, input.modulesStartedAtMs));
    failedModules.push('edgeHub');
  }
  const status = computeLastDesiredStatus({ read: reading.read, generation: desired?.generation ?? 0, failures });
  const doc: JsonObject = {
    schemaVersion: REPORTED_SCHEMA_VERSION,
    version: { ...SIMULATOR_AGENT_VERSION },
    lastDesiredStatus: { code: status.code, description: status.description },
    runtime: {
      type: config?.runtime.type ?? 'docker',
      platform: { os: 'linux', architecture: 'x86_64', version: 'verge-simulator' },
      ...(config === undefined ? {} : { settings: runtimeSettings(config) }),
    },
  };
  if (reading.version !== undefined) doc['lastDesiredVersion'] = reading.version;
  if (config !== undefined && desired !== undefined) {
    const system = computeSystemModuleReport(config.systemModules, { startedAtMs: input.runtimeStartedAtMs });
    const edgeHub = hubRule === undefined ? system.edgeHub : { ...system.edgeHub, ...failedStatus(config.systemModules.edgeHub, hubRule, input.modulesStartedAtMs) };
    doc['systemModules'] = toJson({ edgeAgent: system.edgeAgent, edgeHub });
    const images = new Set(observed.flatMap((m) => (m.image === undefined ? [] : [m.image])));
    doc['modules'] = toJson(computeModuleReport(desired, { modules: observed, images }, new Map(), input.nowMs, { failures }));
  }
  return { doc, code: status.code, version: reading.version, failedModules };
}

/**
 * Whether a module of the deployment in force runs on this simulated device: `notFound` when the deployment has no
 * such module (or none is in force), `notRunning` when it is stopped by its desired status or a failure rule makes it
 * fail, as {@link buildAgentReport} reports it.
 */
export function simulatedModuleState(behaviour: DeviceBehaviour, reading: AgentReading | undefined, moduleId: string): 'running' | 'notRunning' | 'notFound' {
  const spec = reading?.config === undefined ? undefined : desiredStateFromConfig(reading.config).modules.get(moduleId);
  if (spec === undefined) return 'notFound';
  return spec.status === 'stopped' || failingRule(behaviour, spec.id, imageOf(spec)) !== undefined ? 'notRunning' : 'running';
}

function imageOf(spec: ModuleSpec): string | undefined {
  return spec.type === 'docker' ? spec.settings.image : undefined;
}

function observedModule(spec: ModuleSpec, fails: boolean, startedAtMs: number): ObservedModule {
  const base = { id: spec.id, type: spec.type, owned: true, image: imageOf(spec), startedAtMs };
  if (fails) return { ...base, state: 'exited', exitCode: 1, exitedAtMs: startedAtMs };
  if (spec.status === 'stopped') return { ...base, state: 'exited', exitCode: 0, exitedAtMs: startedAtMs };
  return { ...base, state: 'running' };
}

function simulatedFailure(desired: DesiredState, rule: FailRule, atMs: number): StepFailure {
  return {
    generation: desired.generation,
    kind: 'retryable',
    attempts: 1,
    lastAttemptAtMs: atMs,
    retryAtMs: atMs + 10_000,
    message: `simulated failure (--fail-rate ${rule.selector}=${rule.pattern}=${rule.rate}): the module exited with code 1`,
  };
}

function failedStatus(spec: ModuleSpec, rule: FailRule, atMs: number): JsonObject {
  return {
    runtimeStatus: spec.restartPolicy === 'never' ? 'failed' : 'backoff',
    statusDescription: `exited with code 1; simulated failure (--fail-rate ${rule.selector}=${rule.pattern}=${rule.rate})`,
    exitCode: 1,
    lastExitTimeUtc: formatDotNetTime(atMs),
  };
}

// Registry credentials are never reported (reference §2.1), as the edge agent does.
function runtimeSettings(config: EdgeAgentConfig): JsonObject {
  const { minDockerVersion, loggingOptions } = config.runtime.settings;
  return {
    ...(minDockerVersion === undefined ? {} : { minDockerVersion }),
    ...(loggingOptions === undefined ? {} : { loggingOptions }),
    registryCredentials: {},
  };
}

function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
