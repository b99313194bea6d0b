import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Runs a suite declared with describeWithDocker in a child vitest, against no engine and against a stand-in that
// answers /_ping, and checks what a developer and CI would see: a loud skip, a failure, or a run.
const fixtureDir = fileURLToPath(new URL('../fixtures/describe-with-docker/', import.meta.url));
const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');

interface ChildRun {
  readonly exitCode: number;
  readonly stderr: string;
  readonly report: { numPassedTests: number; numFailedTests: number; numPendingTests: number; testResults: { assertionResults: { title: string; failureMessages: string[] }[] }[] };
}

describe('describeWithDocker in a real vitest run', () => {
  let dir: string;
  let engine: Server;
  let engineSocket: string;
  let absentSocket: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verge-describe-with-docker-'));
    absentSocket = join(dir, 'absent.sock');
    engineSocket = join(dir, 'engine.sock');
    engine = createServer((_request, response) => void response.writeHead(200).end('OK'));
    await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => engine.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function runFixture(env: Record<string, string>): Promise<ChildRun> {
    const reportFile = join(dir, `report-${randomUUID()}.json`);
    const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'VERGE_REQUIRE_DOCKER'));
    const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [vitestCli, 'run', '--config', join(fixtureDir, 'vitest.config.ts'), '--reporter=json', `--outputFile.json=${reportFile}`],
        { env: { ...childEnv, ...env }, cwd: fixtureDir, timeout: 60_000 },
        (error, _stdout, stderrText) => resolve({ exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr: stderrText }),
      );
    });
    return { exitCode, stderr, report: JSON.parse(await readFile(reportFile, 'utf8')) as ChildRun['report'] };
  }

  test('no engine: the suite is skipped and stderr says why, where it looked and how to start dockerd', async () => {
    const run = await runFixture({ DOCKER_HOST: `unix://${absentSocket}` });
    expect(run.exitCode).toBe(0);
    expect(run.report).toMatchObject({ numPassedTests: 0, numFailedTests: 0, numPendingTests: 2 });
    expect(run.stderr).toContain(`SKIPPING Docker suite "fixture suite": no Docker engine answered at DOCKER_HOST=unix://${absentSocket}: connect ENOENT`);
    expect(run.stderr).toContain('nohup dockerd --bridge=none --iptables=false');
    expect(run.stderr).toContain('Set VERGE_REQUIRE_DOCKER=1');
  });

  test('no engine with VERGE_REQUIRE_DOCKER=1: the run fails with the same explanation', async () => {
    const run = await runFixture({ DOCKER_HOST: `unix://${absentSocket}`, VERGE_REQUIRE_DOCKER: '1' });
    expect(run.exitCode).toBe(1);
    expect(run.report).toMatchObject({ numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 });
    const [failed] = run.report.testResults.flatMap((file) => file.assertionResults);
    expect(failed?.title).toBe('requires a Docker engine (VERGE_REQUIRE_DOCKER=1)');
    expect(failed?.failureMessages.join('\n')).toContain(
      `Docker suite "fixture suite" requires a Docker engine (VERGE_REQUIRE_DOCKER=1) but no Docker engine answered at DOCKER_HOST=unix://${absentSocket}`,
    );
  });

  test('a VERGE_REQUIRE_DOCKER typo fails instead of skipping', async () => {
    const run = await runFixture({ DOCKER_HOST: `unix://${absentSocket}`, VERGE_REQUIRE_DOCKER: 'on' });
    expect(run.exitCode).toBe(1);
    expect(JSON.stringify(run.report)).toContain('VERGE_REQUIRE_DOCKER=\\"on\\" is not a boolean');
  });

  test('an engine that answers: the suite runs with a client for it', async () => {
    const run = await runFixture({ DOCKER_HOST: `unix://${engineSocket}`, VERGE_REQUIRE_DOCKER: '1' });
    expect(run.report).toMatchObject({ numPassedTests: 2, numFailedTests: 0, numPendingTests: 0 });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).not.toContain('SKIPPING');
  });
});
