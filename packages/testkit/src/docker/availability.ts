import Dockerode from 'dockerode';
import { resolveDockerEndpoint } from './endpoint.js';

/** Whether a Docker engine answered, with a client for it, or the reason none did. */
export type DockerAvailability =
  | { readonly available: true; readonly docker: Dockerode; readonly endpoint: string }
  | { readonly available: false; readonly reason: string; readonly endpoint: string };

/** Options for {@link dockerAvailability}. */
export interface DockerAvailabilityOptions {
  /** How long the engine has to answer `GET /_ping`. */
  readonly timeoutMs?: number;
  /** Environment to read DOCKER_HOST / DOCKER_TLS_VERIFY from; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_PING_TIMEOUT_MS = 3_000;

/**
 * Finds the Docker engine named by DOCKER_HOST (or the default socket) and pings it with a short timeout. Never
 * throws: every failure becomes `{ available: false, reason }`, and the reason names the endpoint that was tried.
 */
export async function dockerAvailability(options: DockerAvailabilityOptions = {}): Promise<DockerAvailability> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const endpoint = resolveDockerEndpoint(options.env ?? process.env);
  if (!endpoint.ok) {
    return { available: false, reason: endpoint.reason, endpoint: endpoint.description };
  }
  // The probe client carries a socket timeout; the client handed out does not, because waiting for a container
  // to exit legitimately leaves a request idle for longer than any ping should take.
  const probe = new Dockerode({ ...endpoint.options, timeout: timeoutMs });
  try {
    await withTimeout(probe.ping(), timeoutMs);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { available: false, reason: `no Docker engine answered at ${endpoint.description}: ${detail}`, endpoint: endpoint.description };
  }
  return { available: true, docker: new Dockerode(endpoint.options), endpoint: endpoint.description };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`ping timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
