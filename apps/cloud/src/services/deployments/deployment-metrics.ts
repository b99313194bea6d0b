import { EDGE_AGENT_TWIN, type ConfigurationMetricDevicesDto, type SystemMetricResults, type TwinDto } from '@verge/contracts';
import { compileTargetCondition, parseQuery, runQuery } from '@verge/core';
import type { ConfigurationRecord, TwinRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import { loadTwinDtos } from '../query-service-impl.js';
import { deviceTwinView } from './device-evaluation.js';

/** Longest pause between two reloads of the twins under a steady stream of changes (the pause is the last load's duration, up to this). */
const MAX_RELOAD_PAUSE_MS = 2_000;

/** The device ids behind each metric of one deployment (the counts are their lengths). */
export type MetricDevices = Omit<ConfigurationMetricDevicesDto, 'id'>;

/**
 * System and custom metrics of deployments (reference §10.4), cached until a twin, device or deployment changes;
 * a read after a change sees it (it waits for a reload that starts after the change).
 */
export interface DeploymentMetrics {
  /** `systemMetrics.results` and `metrics.results`. */
  results(record: ConfigurationRecord): Promise<{ readonly system: SystemMetricResults; readonly custom: Record<string, number> }>;
  /** The device ids behind every metric, sorted. */
  devices(record: ConfigurationRecord): Promise<MetricDevices>;
  /** The query text IoT Hub shows for each system metric (`systemMetrics.queries`). */
  systemQueries(record: ConfigurationRecord): Record<keyof SystemMetricResults, string>;
  /** Subscribes to the bus events that invalidate the cache; returns the unsubscribe function. */
  start(): () => void;
}

interface TwinsSnapshot {
  /** Device twins of every edge device, as target conditions see them. */
  readonly edge: readonly { readonly deviceId: string; readonly view: ReturnType<typeof deviceTwinView> }[];
  /** `$edgeAgent` twins by device id. */
  readonly agents: ReadonlyMap<string, TwinRecord>;
  /** Twin documents of each query collection, loaded on the first custom metric that needs them. */
  readonly rows: Map<'devices' | 'modules', Promise<readonly TwinDto[]>>;
  /** Metric devices by deployment id and etag, computed on the first read over this snapshot. */
  readonly byDeployment: Map<string, Promise<MetricDevices>>;
}

/** A load of the twins and the change generation it started at (it shows every change up to that generation). */
interface Load {
  readonly generation: number;
  readonly snapshot: Promise<TwinsSnapshot>;
}

/**
 * Builds the metrics: system metrics from one read of the device twins and `$edgeAgent` twins (shared by every
 * deployment until invalidated), custom metrics by the query engine over one load of each collection's twin
 * documents (`loadTwinDtos`, what the query service shows). Targeted devices are edge devices
 * matching the target condition (as IoT Hub's own query, `capabilities.iotEdge = true AND …`), whether or not a
 * rollout admitted them; applied ones carry `configurations.[[id]].status = 'Applied'`; success and failure
 * follow `lastDesiredVersion` and `lastDesiredStatus.code` of the `$edgeAgent` reported properties.
 *
 * Cost under a reporting fleet: a change only bumps a generation counter; the twins are reloaded on the next read,
 * and reloads are coalesced: one at a time, every reader that arrives before a reload starts shares it, and the next
 * reload starts no sooner than a pause after the previous one ended (the previous load's duration, at most
 * MAX_RELOAD_PAUSE_MS). So a fleet of 10k devices reporting continuously costs at most about one reload per two load
 * times, however many reads and events arrive, and a small fleet's reads barely wait.
 */
export function createDeploymentMetrics(ctx: ServiceContext): DeploymentMetrics {
  const { store, bus } = ctx;
  /** Bumped by every change event; a snapshot loaded at an older generation is stale. */
  let generation = 0;
  /** The last load started (running or done). */
  let latest: Load | undefined;
  /** The next load, waiting for the running one and the pause; readers arriving meanwhile share it. */
  let next: Promise<TwinsSnapshot> | undefined;
  let lastEndMs = Number.NEGATIVE_INFINITY;
  let lastDurationMs = 0;
  const invalidate = () => {
    generation += 1;
  };

  const loadTwins = async (): Promise<TwinsSnapshot> => {
    const devices = new Map((await store.devices.list()).filter((d) => d.isEdge).map((d) => [d.deviceId, d]));
    const edge = (await store.twins.all({ modules: false })).flatMap((twin) => {
      const device = devices.get(twin.deviceId);
      return device === undefined ? [] : [{ deviceId: twin.deviceId, view: deviceTwinView({ device, twin }) }];
    });
    const agents = new Map((await store.twins.all({ modules: true })).filter((t) => t.moduleId === EDGE_AGENT_TWIN).map((t) => [t.deviceId, t]));
    return { edge, agents, rows: new Map(), byDeployment: new Map() };
  };

  /** Waits for the running load and the pause after it, then loads at the generation current at that moment. */
  const reload = async (): Promise<TwinsSnapshot> => {
    await latest?.snapshot.catch(() => undefined);
    const pauseMs = lastEndMs + Math.min(lastDurationMs, MAX_RELOAD_PAUSE_MS) - performance.now();
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    next = undefined;
    const startedAt = performance.now();
    const load: Load = {
      generation,
      snapshot: loadTwins().finally(() => {
        lastEndMs = performance.now();
        lastDurationMs = lastEndMs - startedAt;
      }),
    };
    latest = load;
    load.snapshot.catch(() => {
      if (latest === load) latest = undefined;
    });
    return load.snapshot;
  };

  /** A snapshot that shows every change published before this call. */
  const current = (): Promise<TwinsSnapshot> => {
    if (latest !== undefined && latest.generation === generation) return latest.snapshot;
    next ??= reload();
    return next;
  };

  // Custom metrics share one load of each collection per snapshot (not one per query, as the query service would).
  const rowsOf = (snapshot: TwinsSnapshot, modules: boolean): Promise<readonly TwinDto[]> => {
    const key = modules ? 'modules' : 'devices';
    let rows = snapshot.rows.get(key);
    if (rows === undefined) snapshot.rows.set(key, (rows = loadTwinDtos(ctx, modules)));
    return rows;
  };

  const customDevices = async (snapshot: TwinsSnapshot, sql: string): Promise<string[]> => {
    const ids = new Set<string>();
    try {
      const query = parseQuery(sql);
      for (const item of runQuery(query, await rowsOf(snapshot, query.from === 'devices.modules')).items) {
        const id = (item as { deviceId?: unknown } | null)?.deviceId;
        if (typeof id === 'string') ids.add(id);
      }
    } catch (err) {
      ctx.log.warn({ err, component: 'deployments' }, 'custom metric query failed');
      return [];
    }
    return [...ids].sort();
  };

  const compute = async (snapshot: TwinsSnapshot, record: ConfigurationRecord): Promise<MetricDevices> => {
    const target = compileTargetCondition(record.targetCondition);
    const targeted = target.ok ? snapshot.edge.filter((t) => target.matches(t.view)).map((t) => t.deviceId) : [];
    const applied: string[] = [];
    const succeeded: string[] = [];
    const failed: string[] = [];
    for (const [deviceId, agent] of snapshot.agents) {
      if (agent.configurations?.[record.id]?.status !== 'Applied') continue;
      applied.push(deviceId);
      const reported = agent.properties.reported as { lastDesiredVersion?: unknown; lastDesiredStatus?: { code?: unknown } };
      if (reported.lastDesiredVersion !== agent.properties.desired.$version) continue;
      (reported.lastDesiredStatus?.code === 200 ? succeeded : failed).push(deviceId);
    }
    const metrics: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(record.metricQueries)) {
      Object.defineProperty(metrics, name, { value: await customDevices(snapshot, sql), enumerable: true });
    }
    const sort = (ids: string[]) => ids.sort();
    return {
      systemMetrics: { targetedCount: sort(targeted), appliedCount: sort(applied), reportedSuccessfulCount: sort(succeeded), reportedFailedCount: sort(failed) },
      metrics,
    };
  };

  const devices = async (record: ConfigurationRecord): Promise<MetricDevices> => {
    const snapshot = await current();
    const key = `${record.id}\n${record.etag}`;
    let entry = snapshot.byDeployment.get(key);
    if (entry === undefined) {
      entry = compute(snapshot, record);
      snapshot.byDeployment.set(key, entry);
      entry.catch(() => snapshot.byDeployment.delete(key));
    }
    return entry;
  };

  return {
    devices,
    async results(record) {
      const d = await devices(record);
      const s = d.systemMetrics;
      const system = { targetedCount: s.targetedCount.length, appliedCount: s.appliedCount.length, reportedSuccessfulCount: s.reportedSuccessfulCount.length, reportedFailedCount: s.reportedFailedCount.length };
      return { system, custom: Object.fromEntries(Object.entries(d.metrics).map(([name, ids]) => [name, ids.length])) };
    },
    systemQueries(record) {
      const condition = record.targetCondition.trim();
      const target = condition === '*' ? '' : ` and ${condition === '' ? 'false' : `(${condition})`}`;
      const applied = `select deviceId from devices.modules where moduleId = '${EDGE_AGENT_TWIN}' and configurations.[[${record.id}]].status = 'Applied'`;
      const reporting = `${applied} and properties.desired.$version = properties.reported.lastDesiredVersion`;
      return {
        targetedCount: `select deviceId from devices where capabilities.iotEdge = true${target}`,
        appliedCount: applied,
        reportedSuccessfulCount: `${reporting} and properties.reported.lastDesiredStatus.code = 200`,
        reportedFailedCount: `${reporting} and properties.reported.lastDesiredStatus.code != 200`,
      };
    },
    start() {
      const subs = [
        bus.subscribe('twinChanged', invalidate),
        bus.subscribe('configurationChanged', invalidate),
        bus.subscribe('identityChanged', invalidate),
      ];
      return () => {
        for (const u of subs) u();
      };
    },
  };
}
