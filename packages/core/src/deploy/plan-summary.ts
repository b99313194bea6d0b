import type { DevicePlan, DevicePlanSummary } from './device-plan.js';

/**
 * Counts of one device plan's summary (`planDeviceWrites`), for dry-run totals and one-line reports. `total` is
 * the number of changed units: modules, routes and other twin paths (created module identities and statuses are
 * counted apart, they come with the units).
 */
export interface PlanChangeCounts {
  readonly modulesAdded: number;
  readonly modulesUpdated: number;
  readonly modulesRemoved: number;
  readonly routesAdded: number;
  readonly routesUpdated: number;
  readonly routesRemoved: number;
  readonly pathsChanged: number;
  readonly modulesCreated: number;
  readonly total: number;
}

/** The counts of a device plan summary. */
export function countPlanChanges(summary: DevicePlanSummary): PlanChangeCounts {
  const units = {
    modulesAdded: summary.modules.added.length,
    modulesUpdated: summary.modules.updated.length,
    modulesRemoved: summary.modules.removed.length,
    routesAdded: summary.routes.added.length,
    routesUpdated: summary.routes.updated.length,
    routesRemoved: summary.routes.removed.length,
    pathsChanged: summary.paths.length,
  };
  const total = Object.values(units).reduce((a, b) => a + b, 0);
  return { ...units, modulesCreated: summary.createdModules.length, total };
}

/** Fleet totals of many device plans: the summed counts, how many devices there are and how many get writes. */
export interface FleetPlanTotals extends PlanChangeCounts {
  readonly devices: number;
  /** Devices whose plan replaces some module twin's desired properties. */
  readonly devicesChanging: number;
  /** Devices whose plan writes only `configurations` statuses. */
  readonly devicesStatusOnly: number;
}

const ZERO: PlanChangeCounts = {
  modulesAdded: 0,
  modulesUpdated: 0,
  modulesRemoved: 0,
  routesAdded: 0,
  routesUpdated: 0,
  routesRemoved: 0,
  pathsChanged: 0,
  modulesCreated: 0,
  total: 0,
};

/** Adds up device plans (dry-run totals). */
export function totalPlanChanges(plans: readonly DevicePlan[]): FleetPlanTotals {
  let sum: PlanChangeCounts = ZERO;
  let devicesChanging = 0;
  let devicesStatusOnly = 0;
  for (const plan of plans) {
    const c = countPlanChanges(plan.summary);
    sum = Object.fromEntries(Object.keys(ZERO).map((k) => [k, sum[k as keyof PlanChangeCounts] + c[k as keyof PlanChangeCounts]])) as unknown as PlanChangeCounts;
    const writesDesired = plan.steps.some((s) => s.action === 'replaceDesired');
    if (writesDesired) devicesChanging += 1;
    else if (plan.steps.length > 0) devicesStatusOnly += 1;
  }
  return { ...sum, devices: plans.length, devicesChanging, devicesStatusOnly };
}
