import type { DeviceClientLog } from '@verge/device-client';
import type { Logger } from '@verge/platform';

/**
 * The log of one upstream client, with repeated connection failures thinned out: while the cloud is unreachable the
 * hub's probe retries every second and every link retries with its backoff; one warning per link per `everyMs`
 * says so, the rest go to debug (log growth while offline is a known edgeHub complaint, iotedge #5854).
 */
export function quietReconnectLog(log: Logger, everyMs = 60_000, nowMs: () => number = Date.now): DeviceClientLog {
  let lastWarnMs = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => {
      if (suppressed > 0) log.info({ ...obj, failedAttempts: suppressed }, msg);
      else log.info(obj, msg);
      suppressed = 0;
      lastWarnMs = Number.NEGATIVE_INFINITY;
    },
    warn: (obj, msg) => {
      const now = nowMs();
      if (msg === 'not connected' && now - lastWarnMs < everyMs) {
        suppressed += 1;
        log.debug(obj, msg);
        return;
      }
      if (msg === 'not connected') lastWarnMs = now;
      log.warn(suppressed > 0 ? { ...obj, suppressedSinceLast: suppressed } : obj, msg);
      suppressed = 0;
    },
  };
}
