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

/**
 * The edge hub's side of module identities: the agent says when the deployed modules or their identities may have
 * changed (before each reconcile pass: a deployment applied, identities synchronised), and the hub checks the
 * credentials of its connected modules again, closing the connections that no longer hold (a module removed from the
 * deployment, an identity with a new generation and so new keys), as it does for leaf devices when the scope changes.
 */
export interface HubModuleConnections {
  modulesChanged(): void;
}
