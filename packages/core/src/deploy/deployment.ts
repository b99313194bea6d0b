/**
 * An automatic deployment (IoT Hub Configuration with `modulesContent`, reference §10.1). A standard deployment
 * sets whole module twins (`properties.desired` keys); a layered one may set sub-paths
 * (`properties.desired.modules.sim`, `properties.desired.routes.r1`, reference §10.3).
 */
export interface Deployment {
  /** Up to 128 characters, lower case, none of space `& ^ [ ] { } \ | " < > /` (reference §10.1). */
  readonly id: string;
  /** Larger wins (reference §10.2). */
  readonly priority: number;
  readonly targetCondition: string;
  readonly content: { readonly modulesContent: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
  /** Creation time, ms since the Unix epoch; breaks priority ties (most recent wins). */
  readonly createdAtMs: number;
  readonly layered: boolean;
}

/** A deployment and the priority it won or lost with, as listed in provenance. */
export interface DeploymentRef {
  readonly deploymentId: string;
  readonly priority: number;
}

/**
 * Ranking of deployments: higher priority first; on equal priority the most recently created first (reference
 * §10.2); on equal creation time the greater id (ordinal), so that the order is total and deterministic.
 * Returns a positive number when `a` outranks `b`.
 */
export function compareRank(a: Deployment, b: Deployment): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  if (a.id === b.id) return 0;
  return a.id > b.id ? 1 : -1;
}
