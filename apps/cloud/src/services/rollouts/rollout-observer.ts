import { prepareDeployments, reportsCurrentVersion, type CheckedRolloutPolicy, type CompiledTarget, type MetricObservation, type RolloutObservation, type RolloutState } from '@verge/core';
import type { CloudStore } from '../../store/ports.js';
import type { ConfigurationRecord } from '../../store/records.js';
import { deviceTwinView, toDeployment } from '../deployments/device-evaluation.js';
import type { QueryService } from '../query-service.js';
import { edgeAgentReport } from './edge-agent-report.js';

/** Edge device twins as target conditions see them, read once per controller pass and shared by its rollouts. */
export interface FleetView {
  readonly targetsOf: (configuration: ConfigurationRecord) => string[];
}

/** Reads every edge device and its device twin once; `targetsOf` answers which of them a deployment targets. */
export async function loadFleetView(store: CloudStore): Promise<FleetView> {
  const devices = new Map((await store.devices.list()).filter((d) => d.isEdge).map((d) => [d.deviceId, d]));
  const views = (await store.twins.all({ modules: false })).flatMap((twin) => {
    const device = devices.get(twin.deviceId);
    return device === undefined ? [] : [deviceTwinView({ device, twin })];
  });
  return {
    targetsOf(configuration) {
      const target: CompiledTarget | undefined = prepareDeployments([toDeployment(configuration)]).valid[0]?.target;
      return target === undefined ? [] : views.filter((v) => target.matches(v)).map((v) => v.deviceId);
    },
  };
}

/**
 * What the rollout of `configuration` sees now: the devices it targets, the `$edgeAgent` reports of the current
 * wave's devices, and the current wave's custom metric (how many of its devices that reported on the deployment's
 * current desired version the metric query returns).
 */
export async function observe(
  store: CloudStore,
  fleet: FleetView,
  query: QueryService | undefined,
  configuration: ConfigurationRecord,
  policy: CheckedRolloutPolicy,
  state: RolloutState,
): Promise<RolloutObservation> {
  const targeted = fleet.targetsOf(configuration);
  const wave = state.waves[state.currentWave];
  const reports = new Map<string, NonNullable<ReturnType<typeof edgeAgentReport>>>();
  for (const deviceId of wave?.deviceIds ?? []) {
    const report = edgeAgentReport(await store.twins.get({ deviceId, moduleId: '$edgeAgent' }), configuration.id);
    if (report !== undefined) reports.set(deviceId, report);
  }
  const gate = policy.waves[state.currentWave]?.metric;
  // Only devices that acted on the deployment count: a device still reporting what it ran before (the failure a
  // fix is rolled out for) would otherwise break a `max` gate, or meet a `min` one, the moment it is admitted.
  const reported = (wave?.deviceIds ?? []).filter((id) => reportsCurrentVersion(reports.get(id)));
  const metric = gate === undefined || wave === undefined ? undefined : await metricOf(query, configuration, gate.name, reported);
  return { targeted, reports, ...(metric === undefined ? {} : { metric }) };
}

/** A custom metric over a wave: how many of its devices the deployment's metric query returns. */
async function metricOf(query: QueryService | undefined, configuration: ConfigurationRecord, name: string, deviceIds: readonly string[]): Promise<MetricObservation> {
  const sql = Object.hasOwn(configuration.metricQueries, name) ? configuration.metricQueries[name] : undefined;
  if (sql === undefined) return { error: `the deployment has no metric query named '${name}'` };
  if (query === undefined) return { error: 'metric queries are not available' };
  try {
    const wave = new Set(deviceIds);
    const matched = new Set<string>();
    let token: string | undefined;
    do {
      const page = await query.query(sql, 1000, token);
      for (const item of page.items) {
        const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['deviceId'] : undefined;
        if (typeof id !== 'string') return { error: `query '${sql}' does not return deviceId` };
        if (wave.has(id)) matched.add(id);
      }
      token = page.continuationToken;
    } while (token !== undefined);
    return { value: matched.size };
  } catch (e) {
    return { error: `query '${sql}' failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
