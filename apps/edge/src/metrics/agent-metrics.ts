import { statfs } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem, uptime } from 'node:os';
import type { Registry } from 'prom-client';
import type { ManagedModule } from '@verge/contracts';
import type { AgentStepCounts } from './agent-step-counts.js';
import { scrapedCounter, scrapedGauge, type Sample } from '@verge/platform/prometheus';

// edgeAgent's built-in metrics (reference azure-iot-edge.md §9): module starts and stops and the latency of each
// command from the executor wrapper (`measureSteps`), module health integrated between scrapes from the agent's
// own module listing, host and disk figures read when scraped.

/** What the agent metrics read. */
export interface AgentMetricsSources {
  /** The agent's module listing (`verge edge list`); empty before the agent started. */
  readonly modules: () => Promise<readonly ManagedModule[]>;
  /** The directory whose file system holds the store (`edgeAgent_*_disk_space_bytes`). */
  readonly dataDir: string;
  readonly runtimeStartedAtMs: number;
  readonly version: string;
  readonly nowMs: () => number;
}

/**
 * Seconds each module was expected to run (desired `running`) and did (`runtimeStatus` running), integrated from
 * one scrape to the next (iotedge integrates between its own samples).
 */
class RunningTime {
  private lastAtMs: number | undefined;
  private last: readonly ManagedModule[] = [];
  readonly expectedSec = new Map<string, number>();
  readonly correctSec = new Map<string, number>();

  sample(modules: readonly ManagedModule[], nowMs: number): void {
    const dt = this.lastAtMs === undefined ? 0 : Math.max(0, nowMs - this.lastAtMs) / 1000;
    for (const m of this.last) {
      if (m.type === 'system' || m.status !== 'running') continue;
      this.expectedSec.set(m.id, (this.expectedSec.get(m.id) ?? 0) + dt);
      this.correctSec.set(m.id, (this.correctSec.get(m.id) ?? 0) + (m.runtimeStatus === 'running' ? dt : 0));
    }
    for (const m of modules) {
      if (m.type === 'system' || m.status !== 'running' || this.expectedSec.has(m.id)) continue;
      this.expectedSec.set(m.id, 0);
      this.correctSec.set(m.id, 0);
    }
    this.last = modules;
    this.lastAtMs = nowMs;
  }
}

/** Registers the `edgeAgent_*` metrics on `registry`. */
export function registerAgentMetrics(registry: Registry, steps: AgentStepCounts, s: AgentMetricsSources): void {
  const time = new RunningTime();
  let versions = new Map<string, string>();
  const perModule = (counts: ReadonlyMap<string, number>): Sample<'module_name' | 'module_version'>[] =>
    [...counts].map(([id, n]) => [{ module_name: id, module_version: versions.get(id) ?? '' }, n]);
  // The module listing is read once per scrape, by the first of these collectors (prom-client collects in order).
  scrapedGauge(registry, 'edgeAgent_total_time_expected_running_seconds', 'Seconds each module was expected to be running', ['module_name'], async () => {
    const modules = await s.modules();
    versions = new Map(modules.flatMap((m) => (m.version === undefined ? [] : [[m.id, m.version] as const])));
    time.sample(modules, s.nowMs());
    return [...time.expectedSec].map(([id, sec]) => [{ module_name: id }, sec] as const);
  });
  scrapedGauge(registry, 'edgeAgent_total_time_running_correctly_seconds', 'Seconds each module was running while expected to be', ['module_name'], () =>
    [...time.correctSec].map(([id, sec]) => [{ module_name: id }, sec] as const),
  );
  scrapedCounter(registry, 'edgeAgent_module_start_total', 'Times the agent started a module', ['module_name', 'module_version'], () => perModule(steps.starts));
  scrapedCounter(registry, 'edgeAgent_module_stop_total', 'Times the agent stopped a module', ['module_name', 'module_version'], () => perModule(steps.stops));
  scrapedGauge(registry, 'edgeAgent_command_latency_seconds', 'Duration of the last run of each agent command', ['command'], () =>
    [...steps.latencySec].map(([command, sec]) => [{ command }, sec] as const),
  );
  scrapedGauge(registry, 'edgeAgent_host_uptime_seconds', 'Seconds since the host booted', [], () => [[{}, uptime()]] as const);
  scrapedGauge(registry, 'edgeAgent_iotedged_uptime_seconds', 'Seconds since the edge runtime started', [], () => [[{}, (s.nowMs() - s.runtimeStartedAtMs) / 1000]] as const);
  const disk = async (pick: (f: { bavail: number; blocks: number; bsize: number }) => number): Promise<Sample<'disk_name' | 'disk_filesystem' | 'disk_filetype'>[]> => {
    const f = await statfs(s.dataDir).catch(() => undefined);
    return f === undefined ? [] : [[{ disk_name: s.dataDir, disk_filesystem: '', disk_filetype: `0x${f.type.toString(16)}` }, pick(f)]];
  };
  scrapedGauge(registry, 'edgeAgent_available_disk_space_bytes', 'Bytes available to the runtime on the data directory file system', ['disk_name', 'disk_filesystem', 'disk_filetype'], () => disk((f) => f.bavail * f.bsize));
  scrapedGauge(registry, 'edgeAgent_total_disk_space_bytes', 'Size in bytes of the data directory file system', ['disk_name', 'disk_filesystem', 'disk_filetype'], () => disk((f) => f.blocks * f.bsize));
  const host = JSON.stringify({ OperatingSystemType: platform(), Architecture: arch(), KernelVersion: release(), NumCpus: cpus().length, TotalMemoryBytes: totalmem(), NodeVersion: process.versions.node });
  scrapedGauge(registry, 'edgeAgent_metadata', 'Facts about the edge runtime (the value is always 0)', ['edge_agent_version', 'experimental_features', 'host_information'], () =>
    [[{ edge_agent_version: s.version, experimental_features: '{}', host_information: host }, 0]] as const,
  );
}
