import type { CompiledRoute } from '@verge/core';

/** The routes in force and the TTL routes without their own use. Immutable: a change swaps the whole snapshot. */
export interface RouteSnapshot {
  readonly routes: readonly CompiledRoute[];
  /** `storeAndForwardConfiguration.timeToLiveSecs` (reference §4: default 7200); negative: never expire. */
  readonly defaultTtlSecs: number;
  /** `$version` of the `$edgeHub` desired properties the routes came from (undefined: none applied yet). */
  readonly desiredVersion: number | undefined;
}

/**
 * Holds the route table. Readers take `current` once per message; `swap` replaces it by reference, so a message is
 * always routed by one whole table, never half an old and half a new one (STYLE §2.4).
 */
export class RouteTable {
  private snapshot: RouteSnapshot;

  constructor(defaultTtlSecs: number) {
    this.snapshot = { routes: [], defaultTtlSecs, desiredVersion: undefined };
  }

  get current(): RouteSnapshot {
    return this.snapshot;
  }

  swap(next: RouteSnapshot): void {
    this.snapshot = next;
  }

  /** Every endpoint id the routes deliver to. */
  endpointIds(): string[] {
    return [...new Set(this.snapshot.routes.map((r) => r.endpointId))];
  }
}
