import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The cloud's clock as its HTTP `Date` header gives it (second resolution), with the local time halfway through the
 * request: `skewMs` is local minus cloud. Undefined when the cloud does not answer or sends no date.
 */
export function readCloudClock(baseUrl: string, ca: string | undefined, timeoutMs: number, nowMs: () => number): Promise<{ readonly skewMs: number } | undefined> {
  const url = new URL('/health/live', baseUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const sentAtMs = nowMs();
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, ...(url.protocol === 'https:' && ca !== undefined ? { ca } : {}) }, (res) => {
      res.resume();
      const cloudMs = Date.parse(res.headers.date ?? '');
      const localMs = (sentAtMs + nowMs()) / 2;
      resolve(Number.isNaN(cloudMs) ? undefined : { skewMs: localMs - cloudMs });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
