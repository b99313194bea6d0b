import type Dockerode from 'dockerode';
import { randomUUID } from 'node:crypto';
import { demuxDockerLogs, type ContainerOutput } from './log-demux.js';
import { statusCodeOf } from './engine-errors.js';

/** Label carried by every container a test run creates; its value is the run's uuid. */
export const TEST_RUN_LABEL = 'verge-test-run';

/** How a container ended, with what it printed. */
export interface ContainerExit extends ContainerOutput {
  readonly exitCode: number;
}

/**
 * Creates and starts a container labelled `verge-test-run=<runId>` (merged into `options.Labels`), so
 * {@link removeTestContainers} can find it however the test ends. A container that fails to start is removed.
 */
export async function runContainer(docker: Dockerode, runId: string, options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
  const container = await docker.createContainer({ ...options, Labels: { ...options.Labels, [TEST_RUN_LABEL]: runId } });
  try {
    await container.start();
  } catch (error) {
    await removeQuietly(container);
    throw error;
  }
  return container;
}

/** Waits until the container is no longer running and returns its exit code; rejects after `timeoutMs`. */
export async function waitForExit(container: Dockerode.Container, timeoutMs: number): Promise<number> {
  let result: unknown;
  try {
    result = await container.wait({ condition: 'not-running', abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
      throw new Error(`container ${container.id.slice(0, 12)} did not exit within ${timeoutMs} ms`, { cause: error });
    }
    throw error;
  }
  const status = (result as { StatusCode?: unknown; Error?: { Message?: unknown } | null } | undefined) ?? {};
  if (typeof status.StatusCode !== 'number') {
    throw new Error(`container ${container.id.slice(0, 12)}: wait returned no StatusCode (${JSON.stringify(result)})`);
  }
  return status.StatusCode;
}

/** Everything the container wrote so far, split into stdout and stderr (containers created without a TTY). */
export async function readContainerLogs(container: Dockerode.Container): Promise<ContainerOutput> {
  const raw = await container.logs({ stdout: true, stderr: true, follow: false });
  return demuxDockerLogs(raw);
}

/** Runs a container to completion: start, wait (bounded), collect logs. The container is left for inspection. */
export async function runContainerToExit(
  docker: Dockerode,
  runId: string,
  options: Dockerode.ContainerCreateOptions,
  timeoutMs: number,
): Promise<ContainerExit & { readonly container: Dockerode.Container }> {
  const container = await runContainer(docker, runId, options);
  const exitCode = await waitForExit(container, timeoutMs);
  return { container, exitCode, ...(await readContainerLogs(container)) };
}

/** Force-removes (with anonymous volumes) every container labelled with this run id; returns how many. */
export async function removeTestContainers(docker: Dockerode, runId: string): Promise<number> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${runId}`] } });
  await Promise.all(listed.map((info) => removeQuietly(docker.getContainer(info.Id))));
  return listed.length;
}

/** A test run: one uuid, containers started under it, and one cleanup for all of them. */
export interface DockerTestRun {
  readonly runId: string;
  readonly docker: Dockerode;
  start(options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container>;
  runToExit(options: Dockerode.ContainerCreateOptions, timeoutMs: number): Promise<ContainerExit & { readonly container: Dockerode.Container }>;
  /** Removes every container of this run; call it from afterEach/afterAll. */
  cleanup(): Promise<number>;
}

/** Starts a test run with a fresh uuid (or the given one). */
export function createDockerTestRun(docker: Dockerode, runId: string = randomUUID()): DockerTestRun {
  return {
    runId,
    docker,
    start: (options) => runContainer(docker, runId, options),
    runToExit: (options, timeoutMs) => runContainerToExit(docker, runId, options, timeoutMs),
    cleanup: () => removeTestContainers(docker, runId),
  };
}

async function removeQuietly(container: Dockerode.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    // 404: already gone; 409: removal already in progress. Both end with the container removed.
    const status = statusCodeOf(error);
    if (status !== 404 && status !== 409) throw error;
  }
}
