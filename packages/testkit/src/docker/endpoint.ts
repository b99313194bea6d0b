import type Dockerode from 'dockerode';

/** The socket dockerd listens on when it is started without `--host`. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Where the testkit will look for a Docker engine, as a connection plus a sentence for messages. */
export type DockerEndpoint =
  | { readonly ok: true; readonly description: string; readonly options: Dockerode.DockerOptions }
  | { readonly ok: false; readonly description: string; readonly reason: string };

/**
 * Resolves DOCKER_HOST the way the docker CLI does for the schemes a test machine uses: unset means the default
 * unix socket, `unix:///path` a socket, `tcp://host:port` plain HTTP. TLS and ssh endpoints are refused with a
 * reason rather than half-supported, so a suite never talks to an engine other than the one the message names.
 */
export function resolveDockerEndpoint(env: Readonly<Record<string, string | undefined>>): DockerEndpoint {
  const raw = env['DOCKER_HOST'];
  if (raw === undefined || raw === '') {
    return unixEndpoint(DEFAULT_DOCKER_SOCKET, `unix://${DEFAULT_DOCKER_SOCKET} (DOCKER_HOST is not set)`);
  }
  const described = `DOCKER_HOST=${raw}`;
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) {
      return { ok: false, description: described, reason: `${described} must name an absolute socket path (unix:///path/to/docker.sock)` };
    }
    return unixEndpoint(socketPath, described);
  }
  if (raw.startsWith('tcp://')) {
    return tcpEndpoint(raw, described, env);
  }
  return { ok: false, description: described, reason: `${described} uses a scheme the testkit does not support (use unix:// or tcp://)` };
}

function unixEndpoint(socketPath: string, description: string): DockerEndpoint {
  // host/port/protocol are set to undefined on purpose: docker-modem merges its own reading of process.env
  // under these options, and an inherited tcp DOCKER_HOST must not win over the socket chosen here.
  return { ok: true, description, options: { socketPath, host: undefined, port: undefined, protocol: undefined } };
}

function tcpEndpoint(raw: string, description: string, env: Readonly<Record<string, string | undefined>>): DockerEndpoint {
  if (env['DOCKER_TLS_VERIFY'] === '1') {
    return { ok: false, description, reason: `${description} with DOCKER_TLS_VERIFY=1: TLS engines are not supported by the testkit` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, description, reason: `${description} is not a valid tcp://host:port address` };
  }
  const port = url.port === '' ? 2375 : Number(url.port);
  if (url.hostname === '' || port === 2376) {
    // 2376 is the registered TLS port: docker clients switch to HTTPS on it, which the testkit does not do.
    return { ok: false, description, reason: `${description} needs a host and a plain-HTTP port (2376 means TLS)` };
  }
  return { ok: true, description, options: { host: url.hostname, port, protocol: 'http', socketPath: undefined } };
}
