import {
  computeLastDesiredStatus,
  computeModuleReport,
  computeSystemModuleReport,
  type AgentLedger,
  type DesiredState,
  type JsonObject,
  type PlanPolicy,
  type Step,
} from '@verge/core';
import type { AgentEnvironment } from './agent-environment.js';
import type { DesiredReading } from './desired-config.js';
import type { Observation } from './observe.js';

/** What one report is computed from: the latest pass of the loop. */
export interface ReportInput {
  readonly reading: DesiredReading;
  readonly desired: DesiredState | undefined;
  /** The latest observation; absent before the first one (modules are then left out). */
  readonly observation: Observation | undefined;
  readonly ledger: AgentLedger;
  readonly plan: readonly Step[] | undefined;
  readonly nowMs: number;
  readonly policy: PlanPolicy;
  /** When the edge runtime process started (the system modules run in it). */
  readonly runtimeStartedAtMs: number;
  readonly agent?: 'connected' | 'shuttingDown';
}

/** Schema of the `$edgeAgent` reported properties (reference §2.1). */
export const REPORTED_SCHEMA_VERSION = '1.0';

/**
 * The complete `$edgeAgent` reported properties (reference §2.1): schema and agent version, `lastDesiredVersion` and
 * `lastDesiredStatus` of the latest desired properties read, the runtime, the system modules (running in this
 * process since it started) and every deployed module as observed. The reporter sends the difference to what the
 * cloud holds.
 */
export function buildReportedProperties(env: AgentEnvironment, input: ReportInput): JsonObject {
  const config = input.reading.config;
  const status = computeLastDesiredStatus({
    read: input.reading.read,
    generation: input.desired?.generation ?? 0,
    failures: input.ledger.failures,
    ...(input.plan === undefined ? {} : { plan: input.plan }),
    agent: input.agent ?? 'connected',
  });
  const doc: JsonObject = {
    schemaVersion: REPORTED_SCHEMA_VERSION,
    version: { ...env.version },
    lastDesiredStatus: { code: status.code, description: status.description },
    runtime: {
      type: env.runtime.type,
      platform: { ...env.runtime.platform },
      ...(config === undefined ? {} : { settings: runtimeSettings(config.runtime.settings) }),
    },
  };
  if (input.reading.version !== undefined) doc['lastDesiredVersion'] = input.reading.version;
  if (config !== undefined) {
    doc['systemModules'] = toJson(computeSystemModuleReport(config.systemModules, { startedAtMs: input.runtimeStartedAtMs }));
  }
  if (input.desired !== undefined && input.observation !== undefined) {
    doc['modules'] = toJson(computeModuleReport(input.desired, input.observation.observed, input.ledger.health, input.nowMs, { failures: input.ledger.failures, policy: input.policy }));
  }
  return doc;
}

// Registry credentials are never reported (reference §2.1: redacted/empty).
function runtimeSettings(settings: { readonly minDockerVersion?: string | undefined; readonly loggingOptions?: string | undefined }): JsonObject {
  return {
    ...(settings.minDockerVersion === undefined ? {} : { minDockerVersion: settings.minDockerVersion }),
    ...(settings.loggingOptions === undefined ? {} : { loggingOptions: settings.loggingOptions }),
    registryCredentials: {},
  };
}

function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** True when a report changes something people watch: the deployment status or a module's runtime status. */
export function isStatusChange(previous: JsonObject | undefined, next: JsonObject): boolean {
  if (previous === undefined) return true;
  if (JSON.stringify(previous['lastDesiredStatus']) !== JSON.stringify(next['lastDesiredStatus'])) return true;
  if (previous['lastDesiredVersion'] !== next['lastDesiredVersion']) return true;
  const before = (previous['modules'] ?? {}) as Record<string, { runtimeStatus?: unknown } | null>;
  const after = (next['modules'] ?? {}) as Record<string, { runtimeStatus?: unknown } | null>;
  const ids = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const id of ids) if (before[id]?.runtimeStatus !== after[id]?.runtimeStatus) return true;
  return false;
}
