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
  /** A look at the blob store (reported, never deciding `ready`); absent when file upload is off. */
  readonly blobStore?: (() => Promise<'ok' | 'notStarted'>) | undefined;
  readonly log: Logger;
  /** A probe that takes longer fails (default 2 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/**
 * `GET /health/ready` of one instance, for a load balancer: ready when the store answers, the bus is connected (when
 * configured), every listener is up and the instance is neither starting nor draining. The blob store is looked at
 * and reported, but does not decide: it serves file uploads only and instances usually share one, so its outage
 * must not take every instance out of rotation. A failed probe is logged (warn), never returned: the endpoint is
 * anonymous, so the answer carries only outcomes.
 */
export function createReadiness(p: ReadinessProbes): () => Promise<ReadinessDto> {
  const timeoutMs = p.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const log = p.log.child({ component: 'readiness' });
  const { bus: busProbe, blobStore: blobProbe } = p;
  return async () => {
    const health = p.health();
    const [store, bus, blobStore] = await Promise.all([
      probe('store', () => p.store().then(answered), timeoutMs, log),
      busProbe === undefined ? ('notConfigured' as const) : probe('bus', () => busProbe().then(answered), timeoutMs, log),
      blobProbe === undefined ? ('notConfigured' as const) : probe('blobStore', blobProbe, timeoutMs, log),
    ]);
    const listeners = Object.values(health.listeners).every((l) => l.up) ? 'ok' : 'failed';
    const draining = health.status === 'stopping';
    const ready = health.status === 'ok' && store === 'ok' && bus !== 'failed' && listeners === 'ok';
    return { ready, status: health.status, checks: { store, bus, blobStore, listeners, draining } };
  };
}

const answered = (): 'ok' => 'ok';

/** The probe's own outcome, or `failed` when it rejects or takes longer than `timeoutMs`. */
async function probe<T extends string>(name: string, run: () => Promise<T>, timeoutMs: number, log: Logger): Promise<T | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (err) {
    log.warn({ err, check: name }, 'readiness check failed');
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}
