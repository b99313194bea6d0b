import { request } from 'node:https';

/** What `httpsCall` answers: the status, the content type and the body text (empty for a stream). */
export interface HttpsAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/**
 * One HTTPS request trusting `ca` (the cloud's or the hub's CA), its certificate checked for `servername` (default:
 * the URL's host; `localhost` when the URL names an address the certificate does not). Streams (`text/event-stream`, e.g. `/events`) resolve on
 * their headers and are closed at once; everything else resolves with the whole body. Bounded by `timeoutMs`.
 */
export function httpsCall(
  url: string,
  o: {
    readonly ca: string;
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs?: number;
    readonly servername?: string;
  },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const tls = o.servername === undefined ? {} : { servername: o.servername };
    const req = request(url, { method: o.method ?? 'GET', ca: o.ca, headers: o.headers ?? {}, timeout: o.timeoutMs ?? 10_000, ...tls }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, contentType, text: '' });
        req.destroy();
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
