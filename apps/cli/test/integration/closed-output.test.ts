// `verge … | head -1`: the reader of the CLI's output goes away while it still writes (EPIPE). A client command
// ends quietly with 141, as a program killed by SIGPIPE would; a server keeps serving and drops the lines it cannot
// write. Before, both died of Node's "Unhandled 'error' event" (found running the README: `verge device explain
// edge-1 | head -12`; and `verge cloud start | head -1` took the cloud down).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { CLI_BUILT, killVerge, spawnVerge, type VergeProcess } from '@verge/testkit/edge';
import { CLOSED_OUTPUT_EXIT_CODE } from '../../src/cli/stdio.js';

const running: VergeProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const run of running.splice(0)) killVerge(run);
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** `verge …args` whose stdout reader is gone before the command writes anything. */
function withClosedStdout(args: readonly string[]): VergeProcess {
  const run = spawnVerge(args);
  running.push(run);
  run.child.stdout?.destroy();
  return run;
}

describe.runIf(CLI_BUILT)('a closed stdout (built CLI, child process)', () => {
  it.each([
    ['the help (commander writes it)', ['--help']],
    ['a client command (manifest validate)', ['manifest', 'validate', 'MANIFEST']],
  ])('ends %s quietly with 141, no stack', async (_what, args) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const manifest = join(t.dir, 'deployment.json');
    writeFileSync(manifest, JSON.stringify({ modulesContent: { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1' } } } }));
    const run = withClosedStdout(args.map((a) => (a === 'MANIFEST' ? manifest : a)));
    const done = await run.exited;
    expect(done.stderr).not.toMatch(/Unhandled|EPIPE|at /);
    expect(done.code).toBe(CLOSED_OUTPUT_EXIT_CODE);
  });

  it('keeps a server running when its stdout closes: the cloud serves, then stops cleanly on SIGTERM', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const httpPort = await freePort();
    const cloud = withClosedStdout(['cloud', 'start', '--data', t.dir, '--http-port', String(httpPort), '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0']);
    // It printed its banner and log lines into the closed pipe by the time it answers.
    await eventually(async () => (await fetch(`http://127.0.0.1:${httpPort}/health/ready`).catch(() => undefined))?.status === 200, { description: 'the cloud serving', timeoutMs: 20_000 });
    const created = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect(created.status).toBe(200);
    cloud.child.kill('SIGTERM');
    const done = await cloud.exited;
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('');
  });
});
