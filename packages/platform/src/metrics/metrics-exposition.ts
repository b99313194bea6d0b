/** The Prometheus text of a process's metrics, and its content type. */
export interface MetricsExposition {
  readonly contentType: string;
  readonly text: string;
}

/** What `lazyExposition` loads on the first scrape: a prom-client `Registry` (or anything with its two members). */
export interface ExpositionRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * `collect()` over a registry built by `load` on the first call, so that prom-client (≈0.1–0.4 s of import and
 * ≈11 MB) is part of a process's footprint only once something scrapes it. A failed load is retried next time.
 */
export function lazyExposition(load: () => Promise<ExpositionRegistry>): () => Promise<MetricsExposition> {
  let registry: Promise<ExpositionRegistry> | undefined;
  return async () => {
    registry ??= load().catch((e: unknown) => {
      registry = undefined;
      throw e;
    });
    const r = await registry;
    return { contentType: r.contentType, text: await r.metrics() };
  };
}
