import type { CloudStore } from '../store/ports.js';

/** Jobs read per scrape at most (the gauge counts the newest this many). */
export const MAX_JOBS_COUNTED = 10_000;

/** Fleet-wide figures read from the store when scraped (every instance of a shared store reports the same). */
export interface FleetGauges {
  /** Deployments by their rollout's status (`none`: the deployment has no staged rollout). */
  deploymentsByRolloutStatus(): Promise<ReadonlyMap<string, number>>;
  jobsByStatus(): Promise<ReadonlyMap<string, number>>;
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The fleet gauges over `store`. */
export function storeFleetGauges(store: Pick<CloudStore, 'configurations' | 'rollouts' | 'jobs'>): FleetGauges {
  return {
    async deploymentsByRolloutStatus() {
      const [deployments, rollouts] = await Promise.all([store.configurations.list(), store.rollouts.list()]);
      const statusOf = new Map(rollouts.map((r) => [r.configurationId, typeof r.state['status'] === 'string' ? r.state['status'] : 'unknown']));
      return countBy(deployments, (d) => statusOf.get(d.id) ?? 'none');
    },
    async jobsByStatus() {
      return countBy(await store.jobs.list({ limit: MAX_JOBS_COUNTED }), (j) => j.status);
    },
  };
}
