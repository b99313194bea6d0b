import type { DeviceClientLog } from '@verge/device-client';
import type { Logger } from '@verge/platform';

/**
 * The log of one upstream client, with repeated connection failures thinned out: while the cloud is unreachable the
 * hub's probe retries every second and every link retries with its backoff; one warning per link per `everyMs`
 * says so, the rest go to debug (log growth while offline is a known edgeHub complaint, iotedge #5854).
 */
export function quietReconnectLog(log: Logger, everyMs = 60_000, nowMs: () => number = Date.now): DeviceClientLog {
  const notConnected = new RepeatedWarning(everyMs);
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => {
      const failedAttempts = notConnected.reset();
      log.info(failedAttempts > 0 ? { ...obj, failedAttempts } : obj, msg);
    },
    warn: (obj, msg) => {
      if (msg !== 'not connected') return log.warn(obj, msg);
      const held = notConnected.next(msg, nowMs());
      if (held === undefined) return log.debug(obj, msg);
      log.warn(held > 0 ? { ...obj, suppressedSinceLast: held } : obj, msg);
    },
  };
}

/**
 * Thins one repeated warning: the same `key` (e.g. a refusal's reason) is shown once per `everyMs`, and the next one
 * shown says how many were held back. A new key, or a clock that went back, is shown at once.
 */
export class RepeatedWarning {
  private lastKey: string | undefined;
  private lastShownMs = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(private readonly everyMs = 60_000) {}

  /** undefined: hold this one back; otherwise show it, with the number held back since the last one shown. */
  next(key: string, nowMs: number): number | undefined {
    if (key === this.lastKey && nowMs >= this.lastShownMs && nowMs - this.lastShownMs < this.everyMs) {
      this.held += 1;
      return undefined;
    }
    const held = this.held;
    this.lastKey = key;
    this.lastShownMs = nowMs;
    this.held = 0;
    return held;
  }

  /** Forgets the last one shown (the next is shown at once); returns the number held back since it. */
  reset(): number {
    const held = this.held;
    this.lastKey = undefined;
    this.lastShownMs = Number.NEGATIVE_INFINITY;
    this.held = 0;
    return held;
  }
}
