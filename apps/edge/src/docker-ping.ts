import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where the Docker engine answers: a unix socket, or TCP (with the TLS client material of DOCKER_TLS_VERIFY). */
export type DockerPingTarget =
  | { readonly socketPath: string }
  | { readonly host: string; readonly port: number; readonly tls?: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer } | undefined };

/**
 * `GET /_ping` on the Docker engine with plain node:http, so that `--runtime auto` on a host without an engine never
 * loads dockerode (about 26 MB of RSS and 0.2 s of start-up: it pulls in gRPC, protobufjs and ssh2).
 * Undefined when the engine answered 200, else why not.
 */
export function pingDockerEngine(target: DockerPingTarget, timeoutMs: number): Promise<string | undefined> {
  const tls = 'socketPath' in target ? undefined : target.tls;
  const options: RequestOptions = {
    method: 'GET',
    path: '/_ping',
    agent: false,
    timeout: timeoutMs,
    ...('socketPath' in target ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
    ...(tls === undefined ? {} : { ca: tls.ca, cert: tls.cert, key: tls.key }),
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    const finish = (reason: string | undefined): void => {
      clearTimeout(timer);
      req.destroy();
      resolve(reason);
    };
    const req = (tls === undefined ? httpRequest : httpsRequest)(options, (res: IncomingMessage) => {
      res.resume();
      finish(res.statusCode === 200 ? undefined : `GET /_ping answered ${res.statusCode ?? 0}`);
    });
    req.on('timeout', () => finish(`no answer within ${timeoutMs} ms`));
    req.on('error', (e: Error) => finish(e.message));
    req.end();
  });
}
