import { Registry } from 'prom-client';
import type { HubMetricsSource } from '../hub/index.js';
import { registerAgentMetrics, type AgentMetricsSources } from './agent-metrics.js';
import type { AgentStepCounts } from './agent-step-counts.js';
import { registerHubMetrics } from './hub-metrics.js';

/** What the registry reads, and the labels every series carries. */
export interface PromRegistrySources extends AgentMetricsSources {
  readonly defaultLabels: Readonly<Record<'iothub' | 'edge_device' | 'instance_number', string>>;
  readonly deviceId: string;
  readonly hub: () => HubMetricsSource | undefined;
  readonly steps: AgentStepCounts;
}

/**
 * One prom-client registry (not the global one: several runtimes may share a test process) with the `edgehub_*`
 * and `edgeAgent_*` metrics of reference §9. Loaded on the first scrape (edge-metrics.ts): prom-client is not part
 * of an unscraped runtime's footprint.
 */
export function createPromRegistry(s: PromRegistrySources): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ ...s.defaultLabels });
  registerHubMetrics(registry, s.deviceId, s.hub);
  registerAgentMetrics(registry, s.steps, s);
  return registry;
}
