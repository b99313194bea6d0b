import { VergeError, type Clock } from '@verge/contracts';
import { systemClock } from '@verge/platform';
import type { Deployment, DeploymentExplanation, DevicePlan } from '@verge/core';
import { soleInstanceLeases, type Lease } from '../../bus/lease.js';
import { isStoreConflict, retryOnConflict } from '../../store/ports.js';
import type { ServiceContext } from '../context.js';
import { requireEdgeDevice } from '../edge-scope-service.js';
import { createEvaluationScheduler } from './evaluation-scheduler.js';
import { createSnapshot, planDevice, type DeviceState, type EvaluationSnapshot } from './device-evaluation.js';
import { loadEdgeDeviceState, loadEdgeDeviceStates } from './device-states.js';
import { publishPlanWrites, writeDevicePlan, type PlanWrites } from './device-plan-writer.js';
import { noRollouts, type RolloutViews } from './rollout-view.js';

/** A pass marked for more devices than this reads every device instead. */
const FULL_PASS_ABOVE_DEVICES = 500;

/** What one evaluation pass did. */
export interface EvaluationReport {
  /** Edge devices evaluated. */
  readonly devices: number;
  /** Devices whose module twins were written. */
  readonly written: number;
  /** Devices whose writes failed (logged), e.g. merged content over a twin limit. */
  readonly failed: readonly string[];
  /** Whole pass; `planMs` and `writeMs` are its planning and writing parts (the rest is reading). */
  readonly durationMs: number;
  readonly planMs: number;
  readonly writeMs: number;
}

/** Injection points of the evaluator. */
export interface DeploymentEvaluatorOptions {
  readonly rollouts?: RolloutViews;
  /** Devices written per transaction (default 250). */
  readonly batchSize?: number;
  /** A full pass runs this often even without events (default 5 min, IoT Hub's period). */
  readonly resyncMs?: number;
  /** How often the lease is renewed, or tried when another instance holds it (default 10 s). */
  readonly leaseCheckMs?: number;
  /** Time and timers of the lease checks and resyncs (default the system clock; the cloud passes its `timers`). */
  readonly timers?: Clock;
}

/** Deployment evaluation (IoT Hub automatic deployments, reference §10.2), event-driven. */
export interface DeploymentEvaluator {
  /**
   * Subscribes to the bus and evaluates every device once (deployments created, devices changed while down).
   * Passes run only while `lease` is held (default: a cloud alone, always held).
   */
  start(lease?: Lease): void;
  /** Unsubscribes and waits for a running pass. */
  stop(): Promise<void>;
  evaluateAll(): Promise<EvaluationReport>;
  evaluateDevices(deviceIds: readonly string[]): Promise<EvaluationReport>;
  /**
   * What evaluation would write to one edge device now, written nowhere (dry-run): with `draft`, as if that
   * deployment were stored too (replacing one of the same id). Throws CLD_DEVICE_NOT_FOUND / CLD_DEVICE_NOT_EDGE.
   */
  planDevice(deviceId: string, draft?: Deployment): Promise<{ explanation: DeploymentExplanation; plan: DevicePlan }>;
  /** Resolves once no pass runs and no event waits (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Builds the evaluator. Events mark work (`configurationChanged`, `rolloutChanged`: every device;
 * `twinChanged` of a device twin's tags or reported properties, a device created or changed: that device); marks
 * coalesce until the next turn, then one pass runs under the `deployments` lease (`evaluation-scheduler.ts`). A pass reads the deployments
 * once, every edge device's twins once (`device-states.ts`, shared with explain and dry-run), plans each device with `planDeviceWrites` and writes the plans in batched
 * transactions; a batch that loses a race is redone device by device (re-read, re-plan, `retryOnConflict`).
 */
export function createDeploymentEvaluator(ctx: ServiceContext, options: DeploymentEvaluatorOptions = {}): DeploymentEvaluator {
  const { store, bus } = ctx;
  const log = ctx.log.child({ component: 'deployments' });
  const rollouts = options.rollouts ?? noRollouts;
  const batchSize = options.batchSize ?? 250;
  const resyncMs = options.resyncMs ?? 5 * 60_000;
  const leaseCheckMs = options.leaseCheckMs ?? 10_000;

  const snapshot = async (draft?: Deployment): Promise<EvaluationSnapshot> => createSnapshot(await store.configurations.list(), await rollouts.load(), draft);

  /** Re-reads one device, re-plans and writes it in its own transaction (retried on conflict). */
  const writeOne = async (snap: EvaluationSnapshot, deviceId: string): Promise<PlanWrites | undefined> =>
    retryOnConflict(async () => {
      const state = await loadEdgeDeviceState(store, deviceId);
      if (state === undefined) return undefined;
      const { plan } = await planDevice(snap, state);
      if (plan.steps.length === 0) return undefined;
      return store.transaction((tx) => writeDevicePlan(ctx, tx, state.device, plan.steps, state.modules));
    });

  const evaluate = async (states: readonly DeviceState[], snap: EvaluationSnapshot, startedAt: number): Promise<EvaluationReport> => {
    const planAt = performance.now();
    const planned: { state: DeviceState; plan: DevicePlan }[] = [];
    for (const state of states) {
      const { plan } = await planDevice(snap, state);
      if (plan.steps.length > 0) planned.push({ state, plan });
    }
    const writeAt = performance.now();
    let written = 0;
    const failed: string[] = [];
    for (let i = 0; i < planned.length; i += batchSize) {
      const batch = planned.slice(i, i + batchSize);
      let writes: (PlanWrites | undefined)[];
      try {
        writes = await store.transaction(async (tx) => {
          const out: PlanWrites[] = [];
          for (const p of batch) out.push(await writeDevicePlan(ctx, tx, p.state.device, p.plan.steps, p.state.modules));
          return out;
        });
      } catch (e) {
        // A race lost or one device's content refused: redo the batch device by device so the others still land.
        if (!isStoreConflict(e)) log.debug({ err: e }, 'batch write failed; writing its devices one by one');
        writes = [];
        for (const p of batch) {
          try {
            writes.push(await writeOne(snap, p.state.device.deviceId));
          } catch (err) {
            failed.push(p.state.device.deviceId);
            log.warn({ err, deviceId: p.state.device.deviceId }, 'deployment write failed');
          }
        }
      }
      for (const w of writes) {
        if (w === undefined) continue;
        written += 1;
        publishPlanWrites(bus, w);
      }
    }
    const endAt = performance.now();
    return { devices: states.length, written, failed, durationMs: Math.round(endAt - startedAt), planMs: Math.round(writeAt - planAt), writeMs: Math.round(endAt - writeAt) };
  };

  const evaluateAll = async (): Promise<EvaluationReport> => {
    const startedAt = performance.now();
    const snap = await snapshot();
    return evaluate(await loadEdgeDeviceStates(store), snap, startedAt);
  };
  const evaluateDevices = async (deviceIds: readonly string[]): Promise<EvaluationReport> => {
    const startedAt = performance.now();
    const snap = await snapshot();
    const states: DeviceState[] = [];
    for (const id of new Set(deviceIds)) {
      const state = await loadEdgeDeviceState(store, id);
      if (state !== undefined) states.push(state);
    }
    return evaluate(states, snap, startedAt);
  };

  const scheduler = createEvaluationScheduler({
    log,
    resyncMs,
    leaseCheckMs,
    timers: options.timers ?? systemClock,
    run: async (scope) => {
      // Past a few hundred devices one read of every twin is cheaper than a read per device.
      const all = scope.all || scope.deviceIds.length > FULL_PASS_ABOVE_DEVICES;
      const report = all ? await evaluateAll() : await evaluateDevices(scope.all ? [] : scope.deviceIds);
      if (report.written > 0 || report.failed.length > 0 || all) log.info({ ...report, all }, 'deployments evaluated');
      bus.publish('deploymentsEvaluated', { all, devices: report.devices, written: report.written, failed: report.failed.length, durationMs: report.durationMs });
    },
  });
  const unsubscribes: (() => void)[] = [];

  return {
    start(lease = soleInstanceLeases.lease('deployments')) {
      if (unsubscribes.length > 0) return;
      unsubscribes.push(
        bus.subscribe('configurationChanged', () => scheduler.markAll()),
        bus.subscribe('rolloutChanged', () => scheduler.markAll()),
        bus.subscribe('twinChanged', (e) => {
          if (e.id.moduleId === undefined && (e.tags || e.reported)) scheduler.markDevice(e.id.deviceId);
        }),
        bus.subscribe('identityChanged', (e) => {
          if (e.id.moduleId === undefined && e.change === 'updated') scheduler.markDevice(e.id.deviceId);
        }),
      );
      scheduler.start(lease);
    },
    async stop() {
      for (const u of unsubscribes.splice(0)) u();
      await scheduler.stop();
    },
    evaluateAll,
    evaluateDevices,
    async planDevice(deviceId, draft) {
      const device = requireEdgeDevice(await store.devices.get(deviceId), deviceId, 'has no deployments');
      const state = await loadEdgeDeviceState(store, device.deviceId);
      if (state === undefined) throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' has no twin`, { details: { deviceId } });
      return planDevice(await snapshot(draft), state);
    },
    idle: () => scheduler.idle(),
  };
}
