import { VergeError, type Clock, type RolloutDto } from '@verge/contracts';
import {
  commandRollout,
  jsonEqual,
  newRolloutState,
  observeRollout,
  parseRolloutPolicy,
  parseRolloutState,
  type CheckedRolloutPolicy,
  type RolloutCommand,
  type RolloutState,
  type RolloutStep,
  type RolloutTransition,
} from '@verge/core';
import { soleInstanceLeases, type Lease } from '../../bus/lease.js';
import { isStoreConflict, retryOnConflict, type CloudStoreRepos } from '../../store/ports.js';
import type { ConfigurationRecord, RolloutRecord, RolloutSnapshotRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import type { RolloutViews } from '../deployments/rollout-view.js';
import type { QueryService } from '../query-service.js';
import { rolloutToDto } from './rollout-dto.js';
import { loadFleetView, observe, type FleetView } from './rollout-observer.js';
import { createRolloutViews } from './rollout-views.js';
import { snapshotDevices } from './rollout-snapshots.js';

/** Injection points of the rollout controller. */
export interface RolloutControllerOptions {
  /** Time and timers (deadlines, bake times, lease checks). */
  readonly clock: Clock;
  /** Runs custom-metric gates. */
  readonly query?: QueryService;
  /** How often the lease is renewed or tried, and every running rollout re-observed (default 10 s). */
  readonly leaseCheckMs?: number;
}

/** Staged rollouts of deployments: advances them on events and timers, and serves the operator commands. */
export interface RolloutController {
  /** What deployment evaluation asks (who is admitted, what to restore). */
  readonly views: RolloutViews;
  /**
   * Subscribes to the bus and observes every rollout once (re-arming deadlines and bake times after a restart).
   * Rollouts advance only while `lease` is held (default: alone, always held).
   */
  start(lease?: Lease): void;
  /** Unsubscribes, cancels the timers and waits for a running pass. */
  stop(): Promise<void>;
  /** The rollout of a deployment; `detail` adds each wave's device ids. Throws CLD_CONFIGURATION_NOT_FOUND / ROLLOUT_NOT_FOUND. */
  get(configurationId: string, detail?: boolean): Promise<RolloutDto>;
  /** Pause, resume or abort; throws ROLLOUT_TRANSITION_INVALID when the status does not allow it. */
  command(configurationId: string, command: RolloutCommand): Promise<RolloutDto>;
  /** Resolves once no pass runs and none is due (tests). */
  idle(): Promise<void>;
}

/**
 * Builds the controller. Events mark rollouts to observe (`configurationChanged`, `rolloutChanged`: that deployment;
 * `twinChanged` of a device twin's tags or reported properties, or of an `$edgeAgent` twin: every running rollout);
 * marks coalesce until the next turn, then one pass runs under the `rollouts` lease. A pass reads the edge fleet
 * once, and for each marked rollout observes, runs the pure transition (`observeRollout`) and carries out its steps:
 * snapshots and the new state in one transaction (conditional on the etag read), then `rolloutChanged` so that
 * evaluation moves the admitted (or rolled-back) devices. Each running wave's next deadline or bake end arms a
 * timer on the clock.
 */
export function createRolloutController(ctx: ServiceContext, options: RolloutControllerOptions): RolloutController {
  const { store, bus, random } = ctx;
  const clock = options.clock;
  const log = ctx.log.child({ component: 'rollouts' });
  let lease = soleInstanceLeases.lease('rollouts');
  const leaseCheckMs = options.leaseCheckMs ?? 10_000;

  const policyOf = (c: ConfigurationRecord): CheckedRolloutPolicy => parseRolloutPolicy(c.rollout, Object.keys(c.metricQueries));

  const write = async (tx: CloudStoreRepos, configurationId: string, previous: RolloutRecord | undefined, state: RolloutState, snapshots: readonly RolloutSnapshotRecord[]): Promise<RolloutRecord> => {
    const record: RolloutRecord = { configurationId, etag: random.uuid(), state, updatedAtMs: clock.nowMs() };
    await tx.rollouts.putSnapshots(snapshots);
    await tx.rollouts.put(record, previous === undefined ? { ifAbsent: true } : { ifEtag: previous.etag });
    return record;
  };

  const announce = (configurationId: string, steps: readonly RolloutStep[]): void => {
    for (const step of steps) {
      if (step.action === 'snapshot') continue;
      const { action, ...fields } = step;
      const data = 'deviceIds' in fields ? { ...fields, deviceIds: fields.deviceIds.length } : fields;
      (action === 'halt' ? log.warn.bind(log) : log.info.bind(log))({ configurationId, ...data }, `rollout ${action}`);
    }
    bus.publish('rolloutChanged', { configurationId });
  };

  // Timers: one per running rollout, at its next deadline or bake end.
  const timers = new Map<string, () => void>();
  const arm = (configurationId: string, atMs: number | undefined): void => {
    timers.get(configurationId)?.();
    timers.delete(configurationId);
    if (atMs === undefined || stopped) return;
    timers.set(configurationId, clock.setTimer(() => {
      timers.delete(configurationId);
      mark(configurationId);
    }, atMs - clock.nowMs() + 1));
  };

  /** Observes one rollout and stores what changed. */
  const advance = async (fleet: FleetView, configuration: ConfigurationRecord, record: RolloutRecord | undefined): Promise<void> => {
    const id = configuration.id;
    const policy = policyOf(configuration);
    const state = record === undefined ? newRolloutState(policy, clock.nowMs()) : parseRolloutState(id, record.state);
    if (state.status !== 'running') return arm(id, undefined);
    const observation = await observe(store, fleet, options.query, configuration, policy, state);
    const t: RolloutTransition = observeRollout({ deploymentId: id, policy }, state, observation, clock.nowMs());
    arm(id, t.wakeAtMs);
    if (record !== undefined && t.steps.length === 0 && jsonEqual(t.state, state)) return;
    const snapshotIds = t.steps.flatMap((s) => (s.action === 'snapshot' ? s.deviceIds : []));
    const snapshots = await snapshotDevices(store, configuration, snapshotIds);
    await store.transaction((tx) => write(tx, id, record, t.state, snapshots));
    if (t.steps.length > 0 || record === undefined) announce(id, t.steps);
  };

  /** Deletes the rollout of a deployment that no longer has a policy (the deployment now reaches every device). */
  const forget = async (configurationId: string): Promise<void> => {
    arm(configurationId, undefined);
    if (await store.rollouts.delete(configurationId)) {
      log.info({ configurationId }, 'rollout policy removed: the deployment applies to every targeted device');
      bus.publish('rolloutChanged', { configurationId });
    }
  };

  const pass = async (ids: ReadonlySet<string> | 'all'): Promise<void> => {
    const configurations = await store.configurations.list();
    const records = new Map((await store.rollouts.list()).map((r) => [r.configurationId, r]));
    let fleet: FleetView | undefined;
    const live = new Set(configurations.map((c) => c.id));
    for (const id of timers.keys()) if (!live.has(id)) arm(id, undefined);
    running.clear();
    for (const configuration of configurations) {
      const id = configuration.id;
      const record = records.get(id);
      if (configuration.rollout === null) {
        if (record !== undefined) await forget(id);
        continue;
      }
      const status = record === undefined ? undefined : (record.state as { status?: unknown }).status;
      if (status === 'running') running.add(id);
      if (ids !== 'all' && !ids.has(id)) continue;
      if (status !== undefined && status !== 'running') {
        arm(id, undefined); // paused, halted or final: nothing to observe until a command
        continue;
      }
      try {
        fleet ??= await loadFleetView(store);
        await advance(fleet, configuration, record);
      } catch (err) {
        if (isStoreConflict(err)) {
          mark(id); // another writer (a command) got there first: look again
          continue;
        }
        log.error({ err, configurationId: id }, 'rollout could not advance');
      }
    }
  };

  // Scheduling: marks coalesce until the next turn; one pass at a time; only while the lease is held.
  const running = new Set<string>();
  const dirty = new Set<string>();
  let dirtyAll = false;
  let scheduled = false;
  let inFlight: Promise<void> | undefined;
  let held = false;
  let stopped = true;
  const waiters: (() => void)[] = [];
  const unsubscribes: (() => void)[] = [];
  let cancelLeaseCheck: (() => void) | undefined;

  const settleIdle = (): void => {
    if (inFlight !== undefined || scheduled || dirtyAll || dirty.size > 0) return;
    for (const resolve of waiters.splice(0)) resolve();
  };
  const schedule = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  };
  function mark(id: string): void {
    dirty.add(id);
    schedule();
  }
  const markAll = (): void => {
    dirtyAll = true;
    schedule();
  };
  const markRunning = (): void => {
    for (const id of running) dirty.add(id);
    if (running.size > 0) schedule();
  };
  const flush = (): void => {
    if (inFlight !== undefined) return;
    if (!dirtyAll && dirty.size === 0) return settleIdle();
    inFlight = (async () => {
      if (!(await lease.hold())) {
        held = false;
        dirtyAll = false;
        dirty.clear();
        return;
      }
      if (!held) dirtyAll = true; // just took the lease: every rollout, timers re-armed
      held = true;
      const ids: ReadonlySet<string> | 'all' = dirtyAll ? 'all' : new Set(dirty);
      dirtyAll = false;
      dirty.clear();
      await pass(ids);
    })()
      .catch((err: unknown) => log.error({ err }, 'rollout pass failed'))
      .finally(() => {
        inFlight = undefined;
        if (dirtyAll || dirty.size > 0) schedule();
        settleIdle();
      });
  };
  const leaseCheck = (): void => {
    cancelLeaseCheck = clock.setTimer(() => {
      if (stopped) return;
      markAll();
      leaseCheck();
    }, leaseCheckMs);
  };

  const load = async (configurationId: string): Promise<{ configuration: ConfigurationRecord; policy: CheckedRolloutPolicy; record: RolloutRecord; state: RolloutState }> => {
    const configuration = await store.configurations.get(configurationId);
    if (configuration === undefined) {
      throw new VergeError('CLD_CONFIGURATION_NOT_FOUND', `deployment '${configurationId}' does not exist`, { details: { configurationId } });
    }
    const record = configuration.rollout === null ? undefined : await store.rollouts.get(configurationId);
    if (record === undefined) {
      const why = configuration.rollout === null ? 'it has no rollout policy' : 'its rollout has not started yet';
      throw new VergeError('ROLLOUT_NOT_FOUND', `deployment '${configurationId}' has no staged rollout: ${why}`, { details: { configurationId } });
    }
    return { configuration, policy: policyOf(configuration), record, state: parseRolloutState(configurationId, record.state) };
  };

  return {
    views: createRolloutViews(store, log),
    start(withLease) {
      if (!stopped) return;
      stopped = false;
      if (withLease !== undefined) lease = withLease;
      unsubscribes.push(
        bus.subscribe('configurationChanged', (e) => mark(e.id)),
        bus.subscribe('rolloutChanged', (e) => mark(e.configurationId)),
        bus.subscribe('twinChanged', (e) => {
          if (e.id.moduleId === undefined ? e.tags || e.reported : e.id.moduleId === '$edgeAgent') markRunning();
        }),
      );
      leaseCheck();
      markAll();
    },
    async stop() {
      stopped = true;
      cancelLeaseCheck?.();
      for (const u of unsubscribes.splice(0)) u();
      for (const cancel of timers.values()) cancel();
      timers.clear();
      await inFlight;
      dirtyAll = false;
      dirty.clear();
      settleIdle();
    },
    async get(configurationId, detail = false) {
      const { record, state, policy } = await load(configurationId);
      return rolloutToDto(record, state, policy, detail);
    },
    async command(configurationId, command) {
      const dto = await retryOnConflict(async () => {
        const { record, state, policy } = await load(configurationId);
        const t = commandRollout({ deploymentId: configurationId, policy }, state, command, clock.nowMs());
        const next = await store.transaction((tx) => write(tx, configurationId, record, t.state, []));
        log.info({ configurationId, command: command.type, ...(command.type === 'abort' ? { rollback: command.rollback } : {}), status: t.state.status }, 'rollout command');
        announce(configurationId, t.steps);
        return rolloutToDto(next, t.state, policy, false);
      });
      mark(configurationId);
      return dto;
    },
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settleIdle();
      }),
  };
}
