/** What a Docker-backed suite does: run its tests, skip them, or fail because an engine was required. */
export type DockerTestMode = 'run' | 'skip' | 'fail';

/** The environment variable that turns a missing Docker engine from a skip into a failure (CI sets it). */
export const REQUIRE_DOCKER_ENV = 'VERGE_REQUIRE_DOCKER';

/**
 * Decides how a Docker-backed suite behaves. An engine that answers always means run; without one, a
 * developer's machine skips (loudly, see describeWithDocker) and CI, which promises real-engine coverage, fails.
 */
export function decideDockerTestMode(input: { readonly available: boolean; readonly requireDocker: boolean }): DockerTestMode {
  if (input.available) return 'run';
  return input.requireDocker ? 'fail' : 'skip';
}

const TRUE_VALUES = new Set(['1', 'true', 'yes']);
const FALSE_VALUES = new Set(['', '0', 'false', 'no']);

/**
 * Reads VERGE_REQUIRE_DOCKER. Unknown values throw instead of meaning "no": a typo in CI must not silently turn
 * the Docker suites into skips.
 */
export function parseRequireDocker(value: string | undefined): boolean {
  if (value === undefined) return false;
  const normalized = value.trim().toLowerCase();
  if (TRUE_VALUES.has(normalized)) return true;
  if (FALSE_VALUES.has(normalized)) return false;
  throw new Error(`${REQUIRE_DOCKER_ENV}=${JSON.stringify(value)} is not a boolean: use 1 (require a Docker engine) or 0 (skip without one)`);
}

/** How to get an engine for these suites; printed with every skip and failure. */
export const START_DOCKER_HINT = [
  'Start one with:  nohup dockerd --bridge=none --iptables=false >/var/log/verge-dockerd.log 2>&1 &',
  'or point DOCKER_HOST at a running engine (for example DOCKER_HOST=unix:///run/verge-ci-docker.sock, the socket .ci/run uses).',
].join('\n');

/** The message a suite prints (skip) or throws (fail) when no Docker engine answered. */
export function dockerUnavailableMessage(input: { readonly suite: string; readonly reason: string; readonly mode: 'skip' | 'fail' }): string {
  const headline =
    input.mode === 'skip'
      ? `SKIPPING Docker suite "${input.suite}": ${input.reason}.`
      : `Docker suite "${input.suite}" requires a Docker engine (${REQUIRE_DOCKER_ENV}=1) but ${input.reason}.`;
  const tail =
    input.mode === 'skip'
      ? `Set ${REQUIRE_DOCKER_ENV}=1 to make this a failure instead of a skip (CI does).`
      : `Unset ${REQUIRE_DOCKER_ENV} to skip Docker suites on a machine without an engine.`;
  return `${headline}\n${START_DOCKER_HINT}\n${tail}`;
}
