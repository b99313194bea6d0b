/** The part of an `AbortSignal` the readiness contract uses (contracts carries no DOM or Node types). */
export interface ReadinessSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The edge hub's side of the startup order (issue 7; Azure: edgeAgent starts edgeHub, then the modules): the agent
 * starts a module only once the hub is configured for the deployment, so a module that publishes at once is routed.
 */
export interface HubReadiness {
  /**
   * Resolves once the hub has a route table for the deployment in force (from its `$edgeHub` twin, or its cached
   * configuration while the cloud is unreachable). Rejects with the signal's reason when `signal` aborts.
   */
  whenConfigured(signal: ReadinessSignal): Promise<void>;
}
