import type { HealthDto, ReadinessDto } from '@verge/contracts';
import type { Logger } from '@verge/platform';

/** What readiness looks at. */
export interface ReadinessProbes {
  /** The lifecycle phase and the listeners. */
  readonly health: () => HealthDto;
  /** A cheap read of the store (a primary-key lookup): rejects when the store cannot answer. */
  readonly store: () => Promise<unknown>;
  /** A round trip to the bus server; absent when no bus is configured. */
  readonly bus?: (() => Promise<unknown>) | undefined;
  readonly log: Logger;
  /** A probe that takes longer fails (default 2 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/**
 * `GET /health/ready` of one instance, for a load balancer: ready when the store answers, the bus is connected (when
 * configured), every listener is up and the instance is neither starting nor draining. A failed probe is logged
 * (warn), never returned: the endpoint is anonymous, so the answer carries only outcomes.
 */
export function createReadiness(p: ReadinessProbes): () => Promise<ReadinessDto> {
  const timeoutMs = p.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const log = p.log.child({ component: 'readiness' });
  return async () => {
    const health = p.health();
    const [store, bus] = await Promise.all([probe('store', p.store, timeoutMs, log), p.bus === undefined ? ('notConfigured' as const) : probe('bus', p.bus, timeoutMs, log)]);
    const listeners = Object.values(health.listeners).every((l) => l.up) ? 'ok' : 'failed';
    const draining = health.status === 'stopping';
    const ready = health.status === 'ok' && store === 'ok' && bus !== 'failed' && listeners === 'ok';
    return { ready, status: health.status, checks: { store, bus, listeners, draining } };
  };
}

async function probe(name: string, run: () => Promise<unknown>, timeoutMs: number, log: Logger): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch (err) {
    log.warn({ err, check: name }, 'readiness check failed');
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}
