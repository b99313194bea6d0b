import type { Clock, HubDeadLetters, HubModuleConnections, HubReadiness, ManagedModule } from '@verge/contracts';
import { DEFAULT_PLAN_POLICY, EMPTY_LEDGER, desiredStateFromConfig, type BackoffPolicy, type DesiredState, type PlanPolicy } from '@verge/core';
import { createDirectories, runStopSteps, systemClock, type Logger } from '@verge/platform';
import type { ModuleRuntime } from '../runtime/module-runtime.js';
import { deviceClientFactory, openCloudLink, type AgentTwinClientFactory, type AgentUpstream, type CloudLink } from './agent-cloud.js';
import { injectedModuleEnv, runtimeFingerprint, type AgentEnvironment } from './agent-environment.js';
import { createManagementHandlers } from './agent-management.js';
import { createAgentMethods } from './agent-methods.js';
import { DesiredConfig } from './desired-config.js';
import type { DesiredSourceTiming } from './desired-source.js';
import { logSteps, measureSteps, wrapExecutors, type StepMetrics } from './executor-wrappers.js';
import { createExecutors, type RuntimesByType } from './executors.js';
import { gateOnHub } from './hub-gate.js';
import type { ModuleIdentityRegistry } from './identity-registry.js';
import { IdentitySync } from './identity-sync.js';
import { LedgerStore } from './ledger-store.js';
import { startManagementApi, type ManagementApi } from './management-api.js';
import { ModuleIdentities } from './module-identities.js';
import { listManagedModules, systemModuleEntries } from './module-listing.js';
import { observeRuntimes } from './observe.js';
import { ReconcileLoop, type PassResult } from './reconcile-loop.js';
import { UploadTasks } from './upload-tasks.js';
import { buildReportedProperties } from './reported-properties.js';
import type { ReporterTiming } from './reporter.js';

/** Everything the agent is built from (the composition root `startEdge` wires it; tests inject fakes). */
export interface AgentDeps {
  readonly environment: AgentEnvironment;
  /** The edge device's primary key: module keys (and so `$edgeAgent`'s) are derived from it (reference §11.4). */
  readonly deviceKey: string;
  /** Directory of the agent's state files (ledger, desired backup, identity cache), e.g. `DIR/agent`. */
  readonly stateDir: string;
  /** The edge data directory: what `UploadSupportBundle` bundles (absent: that method fails naming why). */
  readonly dataDir?: string;
  /** Unix socket of the management API (e.g. `DIR/mgmt.sock`); absent → no management API. */
  readonly managementSocketPath?: string;
  /** The module runtimes; the agent owns them from now on and closes them in `stop()`. */
  readonly runtimes: RuntimesByType;
  /** Module identities in the cloud. */
  readonly identityRegistry: ModuleIdentityRegistry;
  /** Where the `$edgeAgent` client connects. */
  readonly upstream: AgentUpstream;
  /**
   * The edge hub: modules start only once it is configured for the deployment (issue 7), and it drops the connections
   * of modules no longer deployed (told before each pass); absent: no gate.
   */
  readonly hub?: HubReadiness & HubModuleConnections;
  /** The edge hub's dead letters, served by the management API (`verge edge dead-letters`). */
  readonly deadLetters?: HubDeadLetters;
  /** Replaces the `$edgeAgent` device client (tests). */
  readonly twinClient?: AgentTwinClientFactory;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly policy?: PlanPolicy;
  /** Jitter of the step backoff; default `Math.random`. */
  readonly rng?: () => number;
  readonly stepMetrics?: StepMetrics;
  /** When the edge runtime process started (reported start time of the system modules); default now. */
  readonly runtimeStartedAtMs?: number;
  readonly timing?: {
    readonly reconcilePeriodMs?: number;
    readonly desiredSource?: DesiredSourceTiming;
    readonly reporter?: ReporterTiming;
    readonly identityRetry?: BackoffPolicy;
    /** How often the module identities are read from the cloud while the deployment is unchanged (default 10 min). */
    readonly identityResyncMs?: number;
  };
}

/** A started edge agent. */
export interface Agent {
  /** Loads the state files, starts the loop and the management API, and connects to the cloud in the background. */
  start(): Promise<void>;
  /** Reports 406 (shutting down) if it can, stops everything it started, and closes the runtimes. Idempotent. */
  stop(): Promise<void>;
  /** For the workload API: the identity generation of a deployed module (or `$edgeAgent`/`$edgeHub`), when known. */
  resolveModule(moduleId: string): { readonly generationId: string } | undefined;
  /** True while the `$edgeAgent` client is connected. */
  readonly connected: boolean;
  /** The modules as `verge edge list` shows them (a fresh observation); empty before `start()`. For metrics. */
  listModules(): Promise<ManagedModule[]>;
}

/** Creates the agent; the constructor does nothing (STYLE §3.12): call `start()`. */
export function createAgent(deps: AgentDeps): Agent {
  return new EdgeAgent(deps);
}

class EdgeAgent implements Agent {
  private readonly clock: Clock;
  private readonly policy: PlanPolicy;
  private readonly log: Logger;
  private readonly desiredConfig: DesiredConfig;
  private readonly identities: ModuleIdentities;
  private readonly identitySync: IdentitySync;
  private loop: ReconcileLoop | undefined;
  private management: ManagementApi | undefined;
  private link: CloudLink | undefined;
  private lastPass: PassResult | undefined;
  private accepting: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;
  private uploadTasks: UploadTasks | undefined;
  private readonly startedAtMs: number;

  constructor(private readonly deps: AgentDeps) {
    this.clock = deps.clock ?? systemClock;
    this.policy = deps.policy ?? DEFAULT_PLAN_POLICY;
    this.log = deps.log.child({ component: 'edge-agent' });
    this.desiredConfig = DesiredConfig.in(deps.stateDir);
    this.identities = ModuleIdentities.in(deps.stateDir, deps.identityRegistry, deps.environment.deviceId, deps.deviceKey, this.log.child({ component: 'identities' }));
    this.identitySync = new IdentitySync(this.identities, this.clock, this.log, deps.timing?.identityRetry, deps.timing?.identityResyncMs);
    this.startedAtMs = deps.runtimeStartedAtMs ?? this.clock.nowMs();
  }

  get connected(): boolean {
    return this.link?.client.connected ?? false;
  }

  resolveModule(moduleId: string): { readonly generationId: string } | undefined {
    const deployed = moduleId === '$edgeAgent' || moduleId === '$edgeHub' || this.desiredState()?.modules.has(moduleId) === true;
    const generationId = deployed ? this.identities.generationIdOf(moduleId) : undefined;
    return generationId === undefined ? undefined : { generationId };
  }

  async listModules(): Promise<ManagedModule[]> {
    const loop = this.loop;
    if (loop === undefined) return [];
    const observation = await observeRuntimes(this.deps.runtimes, () => this.clock.nowMs());
    return [...systemModuleEntries(this.startedAtMs), ...listManagedModules(this.desiredState(), observation, loop.ledger, this.clock.nowMs(), this.policy)];
  }

  async start(): Promise<void> {
    await createDirectories(this.deps.stateDir, 0o700);
    const ledgerStore = LedgerStore.in(this.deps.stateDir);
    const ledger = await ledgerStore.load().catch((err: unknown) => this.recover(err, 'ledger', undefined));
    await this.desiredConfig.loadBackup().catch((err: unknown) => this.recover(err, 'desired backup', false));
    await this.identities.load().catch((err: unknown) => this.recover(err, 'identity cache', undefined));
    this.loop = new ReconcileLoop(
      {
        runtimes: this.deps.runtimes,
        executors: this.executors(),
        ledgerStore,
        desired: () => this.desiredState(),
        beforePlan: async (desired) => {
          await this.identitySync.sync([...desired.modules.keys()]);
          this.deps.hub?.modulesChanged();
        },
        onPass: (pass) => this.onPass(pass),
        clock: this.clock,
        log: this.log.child({ component: 'reconcile' }),
        policy: this.policy,
        rng: this.deps.rng ?? Math.random,
        ...(this.deps.timing?.reconcilePeriodMs === undefined ? {} : { periodMs: this.deps.timing.reconcilePeriodMs }),
      },
      ledger ?? EMPTY_LEDGER,
    );
    if (this.deps.managementSocketPath !== undefined) {
      const handlers = createManagementHandlers({ runtimes: this.deps.runtimes, desired: () => this.desiredState(), loop: this.loop, clock: this.clock, policy: this.policy, runtimeStartedAtMs: this.startedAtMs });
      const withHub = this.deps.deadLetters === undefined ? handlers : { ...handlers, deadLetters: this.deps.deadLetters };
      this.management = await startManagementApi(this.deps.managementSocketPath, withHub, this.log.child({ component: 'management-api' }));
    }
    this.loop.start();
    void this.connectCloud();
    this.log.info({ hasDeployment: this.desiredConfig.reading.config !== undefined }, 'edge agent started');
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Stops the twin source and the loop, reports "shutting down" while the link is up, closes it, then the runtimes. */
  private async shutdown(): Promise<void> {
    this.abort.abort();
    const runtimes = Object.entries(this.deps.runtimes) as [string, ModuleRuntime | undefined][];
    await runStopSteps(
      [
        { name: 'desired source', stop: () => this.link?.source.stop() },
        { name: 'reconcile loop', stop: () => this.loop?.stop() },
        { name: 'report shutting down', stop: () => this.reportShuttingDown() },
        { name: 'reporter', stop: () => this.link?.reporter.stop() },
        { name: 'cloud link', stop: () => this.link?.client.close() },
        { name: 'management API', stop: () => this.management?.close() },
        { name: 'upload tasks', stop: () => this.uploadTasks?.settle() },
        ...runtimes.map(([type, runtime]) => ({ name: `${type} runtime`, stop: () => runtime?.close({ stopTimeoutMs: this.policy.stopTimeoutMs }) })),
      ],
      { log: this.log },
    );
    this.log.info('edge agent stopped');
  }

  private async reportShuttingDown(): Promise<void> {
    if (this.link === undefined) return;
    this.link.reporter.update(this.report('shuttingDown'));
    await this.link.reporter.flush(2_000);
  }

  private recover<T>(err: unknown, what: string, fallback: T): T {
    this.log.warn({ err }, `cannot read the ${what}; starting without it`);
    return fallback;
  }

  private desiredState(): DesiredState | undefined {
    const config = this.desiredConfig.reading.config;
    if (config === undefined) return undefined;
    const identityGenerations = new Map<string, string>();
    for (const id of Object.keys(config.modules)) {
      const generationId = this.identities.generationIdOf(id);
      if (generationId !== undefined) identityGenerations.set(id, generationId);
    }
    return desiredStateFromConfig(config, { runtimeFingerprint: runtimeFingerprint(this.deps.environment), identityGenerations });
  }

  private executors(): ReturnType<typeof createExecutors> {
    const base = createExecutors({
      runtimes: this.deps.runtimes,
      credential: (name) => this.desiredConfig.reading.config?.runtime.settings.registryCredentials[name],
      moduleEnv: async (spec) => injectedModuleEnv(this.deps.environment, spec, await this.identitySync.generationIdFor(spec.id)),
    });
    const gated = this.deps.hub === undefined ? base : wrapExecutors(base, gateOnHub(this.deps.hub));
    const logged = wrapExecutors(gated, logSteps);
    return this.deps.stepMetrics === undefined ? logged : wrapExecutors(logged, measureSteps(this.deps.stepMetrics));
  }

  private onPass(pass: PassResult): void {
    this.lastPass = pass;
    this.link?.reporter.update(this.report('connected'));
    if (this.desiredConfig.backupError !== undefined) this.retryBackup();
  }

  /** Writes the deployment's backup that could not be written when it arrived, in line with accepting new ones. */
  private retryBackup(): void {
    this.accepting = this.accepting.then(async () => {
      if (await this.desiredConfig.saveBackup()) this.log.info({ version: this.desiredConfig.reading.version }, 'deployment saved (its backup could not be written before)');
    });
  }

  private report(agent: 'connected' | 'shuttingDown'): ReturnType<typeof buildReportedProperties> {
    const pass = this.lastPass;
    return buildReportedProperties(this.deps.environment, {
      reading: this.desiredConfig.reading,
      desired: pass?.desired ?? this.desiredState(),
      observation: pass?.observation,
      ledger: this.loop?.ledger ?? { failures: new Map(), health: new Map() },
      plan: pass?.steps,
      nowMs: this.clock.nowMs(),
      policy: this.policy,
      runtimeStartedAtMs: this.startedAtMs,
      agent,
    });
  }

  /** Learns `$edgeAgent`'s generation id (cache, else the cloud, retried with backoff), then opens the twin link. */
  private async connectCloud(): Promise<void> {
    await this.identitySync.ensureUntilKnown('$edgeAgent', this.abort.signal);
    const key = this.identities.primaryKeyOf('$edgeAgent');
    if (this.abort.signal.aborted || key === undefined) return;
    const factory = this.deps.twinClient ?? deviceClientFactory(this.deps.upstream, `verge-edge-agent/${this.deps.environment.version.version}`, this.log);
    const { runtimes } = this.deps;
    this.link = openCloudLink({
      client: factory(key),
      onDesired: (desired) => this.acceptDesired(desired),
      methodHandler: createAgentMethods({
        runtimes,
        source: { iotHub: this.deps.environment.iotHubHostName, deviceId: this.deps.environment.deviceId },
        stopTimeoutMs: this.policy.stopTimeoutMs,
        nowMs: () => this.clock.nowMs(),
        restarted: () => this.loop?.wake('restarted by a direct method'),
        log: this.log.child({ component: 'methods' }),
        uploads: {
          tasks: (this.uploadTasks ??= new UploadTasks(this.log.child({ component: 'upload-tasks' }))),
          ...(this.deps.dataDir === undefined ? {} : { dataDir: this.deps.dataDir }),
          ...(this.deps.upstream.ca === undefined ? {} : { ca: this.deps.upstream.ca }),
          ...(this.deps.deadLetters === undefined ? {} : { deadLetters: this.deps.deadLetters }),
        },
      }),
      clock: this.clock,
      log: this.log,
      ...(this.deps.timing?.desiredSource === undefined ? {} : { sourceTiming: this.deps.timing.desiredSource }),
      ...(this.deps.timing?.reporter === undefined ? {} : { reporterTiming: this.deps.timing.reporter }),
    });
    if (this.lastPass !== undefined) this.link.reporter.update(this.report('connected'));
  }

  /** Validates desired properties one at a time (in arrival order) and wakes the loop. */
  private acceptDesired(desired: Record<string, unknown>): void {
    this.accepting = this.accepting.then(async () => {
      try {
        const outcome = await this.desiredConfig.accept(desired);
        const { version, read } = this.desiredConfig.reading;
        if (outcome === 'applied') this.log.info({ version }, 'deployment accepted');
        const unsaved = this.desiredConfig.backupError;
        if (outcome === 'applied' && unsaved !== undefined) {
          this.log.warn(
            { version, err: unsaved },
            'deployment applied but not saved: a restart while the cloud is unreachable would run the previous one; retried at each reconcile pass',
          );
        }
        if (outcome === 'refused' && !read.ok) this.log.warn({ version, faults: read.faults.slice(0, 5) }, 'deployment refused; the previous one stays in force');
        if (outcome !== 'unchanged') this.loop?.wake('deployment');
      } catch (err) {
        this.log.error({ err }, 'cannot store the deployment');
      }
    });
  }
}
