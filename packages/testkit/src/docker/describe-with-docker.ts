import type Dockerode from 'dockerode';
import { describe, test } from 'vitest';
import { dockerAvailability } from './availability.js';
import { decideDockerTestMode, dockerUnavailableMessage, parseRequireDocker, REQUIRE_DOCKER_ENV } from './test-mode.js';

/** What a Docker-backed suite receives. */
export interface DockerSuiteContext {
  /** Client for the engine that answered. Use it only inside hooks and tests: a skipped suite's throws when used. */
  readonly docker: Dockerode;
  /** The endpoint the client talks to, e.g. `DOCKER_HOST=unix:///run/verge-ci-docker.sock`. */
  readonly endpoint: string;
}

/**
 * `describe` for suites that need a real Docker engine. The engine is pinged while the file is collected:
 * - it answers: the suite runs and `fn` gets a client;
 * - it does not: the suite is registered with `describe.skip` under a title that says why, and a warning naming
 *   DOCKER_HOST and how to start dockerd goes to stderr;
 * - it does not and VERGE_REQUIRE_DOCKER=1 (CI): the suite holds one test that fails with that same explanation.
 */
export function describeWithDocker(name: string, fn: (ctx: DockerSuiteContext) => void): void {
  // vitest awaits an async suite factory before collecting the next one, so tests registered after the ping
  // still land in this suite.
  describe(name, async () => {
    const requireDocker = parseRequireDocker(process.env[REQUIRE_DOCKER_ENV]);
    const availability = await dockerAvailability();
    const mode = decideDockerTestMode({ available: availability.available, requireDocker });
    switch (mode) {
      case 'run':
        if (availability.available) fn({ docker: availability.docker, endpoint: availability.endpoint });
        return;
      case 'skip': {
        const reason = availability.available ? '' : availability.reason;
        process.stderr.write(`\n${banner(dockerUnavailableMessage({ suite: name, reason, mode }))}\n`);
        describe.skip(`SKIPPED, no Docker engine at ${availability.endpoint}`, () => fn(unavailableContext(reason, availability.endpoint)));
        return;
      }
      case 'fail': {
        const reason = availability.available ? '' : availability.reason;
        const message = dockerUnavailableMessage({ suite: name, reason, mode });
        test(`requires a Docker engine (${REQUIRE_DOCKER_ENV}=1)`, () => {
          throw new Error(message);
        });
        return;
      }
      default:
        return assertNever(mode);
    }
  });
}

/**
 * The context of a skipped suite. Suites destructure it while they are collected (`({ docker }) => …`), so `docker`
 * is a stand-in that throws only when used, which a skipped suite's hooks and tests never are.
 */
function unavailableContext(reason: string, endpoint: string): DockerSuiteContext {
  const fail = (): never => {
    throw new Error(`No Docker engine in this skipped suite (${reason}); use ctx.docker only inside hooks and tests.`);
  };
  return { endpoint, docker: new Proxy({}, { get: fail, set: fail, apply: fail }) as Dockerode };
}

function banner(text: string): string {
  const rule = '!'.repeat(100);
  return `${rule}\n${text}\n${rule}`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected Docker test mode ${String(value)}`);
}
