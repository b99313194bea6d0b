import type { ImagePullPolicy, ModuleSpec, ModuleStatus, RestartPolicy } from '@verge/contracts';
import { chunkCreateOptions } from '../manifest/create-options.js';
import { setOwn } from '../twin/json.js';
import type { DesiredState } from './desired-state.js';
import { formatDotNetTime } from './dotnet-time.js';
import { effectiveRestarts, type ModuleHealth } from './module-health.js';
import { describeModuleStatus } from './module-status.js';
import type { ModuleType, ObservedState } from './observed-state.js';
import { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy.js';
import type { RuntimeStatus } from './restart-policy.js';
import type { StepFailure } from './step-failure.js';

/** Reported `settings` of a docker module: what runs, its image id, and createOptions in 512-char pieces (§1.3). */
export type ReportedDockerSettings = { readonly image: string; readonly imageHash?: string } & { readonly [piece: `createOptions${string}`]: string };

/** Reported `settings` of a Verge process module: the desired ones echoed. */
export interface ReportedProcessSettings {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** `modules.{id}` (and `systemModules.edgeHub`) of the `$edgeAgent` reported properties (reference §2.1). */
export interface ReportedModule {
  readonly version: string;
  readonly type: ModuleType;
  readonly status: ModuleStatus;
  readonly restartPolicy: RestartPolicy;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly startupOrder: number;
  readonly env: Readonly<Record<string, { readonly value: string }>>;
  readonly settings: ReportedDockerSettings | ReportedProcessSettings;
  readonly runtimeStatus: RuntimeStatus;
  readonly statusDescription: string;
  readonly exitCode: number;
  /** .NET round-trip time without zone (reference §2.1); `0001-01-01T00:00:00` for never. */
  readonly lastStartTimeUtc: string;
  readonly lastExitTimeUtc: string;
  readonly restartCount: number;
  readonly lastRestartTimeUtc: string;
}

/** `systemModules.edgeAgent` of the reported properties: no desired fields but `type` and `imagePullPolicy`. */
export type ReportedEdgeAgent = Pick<ReportedModule, 'type' | 'runtimeStatus' | 'statusDescription' | 'exitCode' | 'lastStartTimeUtc' | 'lastExitTimeUtc' | 'imagePullPolicy' | 'settings'>;

/** Optional inputs of {@link computeModuleReport}. */
export interface ModuleReportOptions {
  /** Step failures (the ledger's), shown in `statusDescription` and in the status of modules not created. */
  readonly failures?: ReadonlyMap<string, StepFailure>;
  /** Default {@link DEFAULT_PLAN_POLICY}; must be the planner's, for `failed` vs `backoff` and cool-off times. */
  readonly policy?: PlanPolicy;
}

/**
 * The reported `modules` section for every desired module (reference §2.1): every desired field echoed, plus
 * `runtimeStatus` (§2.3 + §2.5), `statusDescription`, `exitCode`, start/exit/restart times, `restartCount` and
 * `settings.image`/`imageHash` as observed. Modules no longer desired are left out: the reporter patches them to
 * `null`. Pure and total.
 */
export function computeModuleReport(
  desired: DesiredState,
  observed: ObservedState,
  health: ReadonlyMap<string, ModuleHealth>,
  nowMs: number,
  options: ModuleReportOptions = {},
): Record<string, ReportedModule> {
  const byId = new Map(observed.modules.map((m) => [m.id, m]));
  const report: Record<string, ReportedModule> = {};
  for (const spec of desired.modules.values()) {
    const found = byId.get(spec.id);
    const entry = health.get(spec.id);
    const status = describeModuleStatus(spec, found, {
      health: entry,
      generation: desired.generation,
      nowMs,
      policy: options.policy ?? DEFAULT_PLAN_POLICY,
      failures: options.failures ?? new Map(),
      images: observed.images,
    });
    const restarts = effectiveRestarts(entry, desired.generation);
    const own = found?.owned === true ? found : undefined;
    setOwn(report, spec.id, {
      ...desiredFields(spec),
      settings: reportedSettings(spec, own),
      ...status,
      exitCode: own?.exitCode ?? 0,
      lastStartTimeUtc: formatDotNetTime(own?.startedAtMs),
      lastExitTimeUtc: formatDotNetTime(own?.exitedAtMs ?? entry?.lastExitAtMs),
      restartCount: restarts.restartCount,
      lastRestartTimeUtc: formatDotNetTime(restarts.lastRestartAtMs),
    });
  }
  return report;
}

function desiredFields(spec: ModuleSpec): Omit<ReportedModule, 'settings' | 'runtimeStatus' | 'statusDescription' | 'exitCode' | 'lastStartTimeUtc' | 'lastExitTimeUtc' | 'restartCount' | 'lastRestartTimeUtc'> {
  const env: Record<string, { value: string }> = {};
  for (const name of Object.keys(spec.env)) setOwn(env, name, { value: spec.env[name] as string });
  return {
    version: spec.version ?? '',
    type: spec.type,
    status: spec.status,
    restartPolicy: spec.restartPolicy,
    imagePullPolicy: spec.imagePullPolicy,
    startupOrder: spec.startupOrder,
    env,
  };
}

/** Reported settings: docker `image` as the container shows it (what actually runs), `imageHash`, createOptions pieces. */
function reportedSettings(spec: ModuleSpec, observed: { readonly image?: string | undefined; readonly imageId?: string | undefined } | undefined): ReportedDockerSettings | ReportedProcessSettings {
  if (spec.type === 'process') {
    const { command, args, cwd } = spec.settings;
    return { command, args, ...(cwd === undefined ? {} : { cwd }) };
  }
  return {
    image: observed?.image ?? spec.settings.image,
    ...(observed?.imageId === undefined ? {} : { imageHash: observed.imageId }),
    ...chunkCreateOptions(spec.settings.createOptionsJson),
  };
}

/** How the edge runtime process that hosts the agent and the hub is doing. */
export interface RuntimeProcessInfo {
  /** When the runtime process started, epoch ms. */
  readonly startedAtMs: number;
  /** Image the runtime runs from, when it runs in a container; default the desired image. */
  readonly image?: string;
  readonly imageId?: string;
}

/**
 * Reported `systemModules` (reference §2.1). In Verge both run inside the edge runtime process, so while it
 * reports they are `running` since it started, never exited nor restarted.
 */
export function computeSystemModuleReport(systemModules: { readonly edgeAgent: ModuleSpec; readonly edgeHub: ModuleSpec }, runtime: RuntimeProcessInfo): { edgeAgent: ReportedEdgeAgent; edgeHub: ReportedModule } {
  const observed = { image: runtime.image, imageId: runtime.imageId };
  const live = {
    runtimeStatus: 'running' as const,
    statusDescription: 'running',
    exitCode: 0,
    lastStartTimeUtc: formatDotNetTime(runtime.startedAtMs),
    lastExitTimeUtc: formatDotNetTime(undefined),
  };
  const agent = systemModules.edgeAgent;
  return {
    edgeAgent: { type: agent.type, ...live, imagePullPolicy: agent.imagePullPolicy, settings: reportedSettings(agent, observed) },
    edgeHub: {
      ...desiredFields(systemModules.edgeHub),
      settings: reportedSettings(systemModules.edgeHub, observed),
      ...live,
      restartCount: 0,
      lastRestartTimeUtc: formatDotNetTime(undefined),
    },
  };
}
