import { randomUUID } from 'node:crypto';
import type { ManagedModule } from '@verge/contracts';
import { lazyExposition, type MetricsExposition } from '@verge/platform';
import type { HubMetricsSource } from '../hub/index.js';
import { AgentStepCounts } from './agent-step-counts.js';

/** What the edge runtime's metrics are read from; parts that are not started yet answer nothing. */
export interface EdgeMetricsSources {
  readonly iotHubHostName: string;
  readonly deviceId: string;
  readonly dataDir: string;
  readonly version: string;
  readonly runtimeStartedAtMs: number;
  readonly hub: () => HubMetricsSource | undefined;
  readonly modules: () => Promise<readonly ManagedModule[]>;
  readonly nowMs?: () => number;
}

export type { MetricsExposition };

/** The runtime's metrics: the step counter the agent feeds, and the exposition a scrape asks for. */
export interface EdgeMetrics {
  /** Handed to the agent (`AgentDeps.stepMetrics`). */
  readonly steps: AgentStepCounts;
  /** Collects every metric now (loads prom-client on the first call). */
  collect(): Promise<MetricsExposition>;
}

/**
 * The `edgehub_*` and `edgeAgent_*` metrics of reference §9, every series labelled `iothub`, `edge_device` and
 * `instance_number` (a new id per start: counters restart from 0 with it). The hub and the agent only bump plain
 * counters; prom-client (≈0.1–0.4 s of import and ≈11 MB) is loaded by the first scrape, as the runtime loads
 * dockerode and mqtt.js only once needed (issue 8).
 */
export function createEdgeMetrics(s: EdgeMetricsSources): EdgeMetrics {
  const steps = new AgentStepCounts();
  const defaultLabels = { iothub: s.iotHubHostName, edge_device: s.deviceId, instance_number: randomUUID() };
  return {
    steps,
    collect: lazyExposition(() =>
      import('./prom-registry.js').then(({ createPromRegistry }) =>
        createPromRegistry({ defaultLabels, deviceId: s.deviceId, hub: s.hub, steps, modules: s.modules, dataDir: s.dataDir, runtimeStartedAtMs: s.runtimeStartedAtMs, version: s.version, nowMs: s.nowMs ?? Date.now }),
      ),
    ),
  };
}
