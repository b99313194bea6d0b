import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { REPO_ROOT } from '@verge/testkit/edge';

// `npm run soak` end to end, in half a minute: a real cloud and edge runtime as child processes (the built CLI),
// an Azure SDK module and leaf device under load, samples every 5 s. Proves the script runs, delivers every
// acknowledged message, writes the CSV and the PNG, prints its verdict line and stops everything it started.

const BUILT = existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js')) && existsSync(join(REPO_ROOT, 'apps/edge/dist/start-edge.js'));

describe.runIf(BUILT)('soak script (npm run soak), a 30-second run', () => {
  const tmp = tempDir('verge-soak-');
  afterAll(() => tmp.cleanup());

  it('samples both processes, writes samples.csv and soak.png, and passes with nothing lost', async () => {
    const out = join(tmp.dir, 'run');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/soak.mjs'), '--minutes', '0.5', '--sample-sec', '5', '--rate', '200', '--out', out], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(output, output).toMatch(/^soak verdict: PASS \(\d+ messages acknowledged and delivered, 0 lost/m);
    expect(code).toBe(0);
    expect(output).toMatch(/delivery soak-edge\/sender: sent \d+, acknowledged \d+, arrived \d+ distinct, lost 0/);
    expect(output).toMatch(/delivery soak-leaf\/: sent \d+, acknowledged \d+, arrived \d+ distinct, lost 0/);

    const csv = readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toContain('edge.heapUsedBytes');
    expect(csv.length).toBeGreaterThanOrEqual(6); // header + samples at 0, 5, …, 30 s
    const header = (csv[0] ?? '').split(',');
    const last = (csv[csv.length - 1] ?? '').split(',');
    for (const column of ['cloud.rssBytes', 'cloud.heapUsedBytes', 'cloud.openFiles', 'cloud.storeBytes', 'edge.rssBytes', 'edge.heapUsedBytes', 'edge.openFiles', 'edge.storeBytes']) {
      expect(Number(last[header.indexOf(column)]), column).toBeGreaterThan(0);
    }
    const png = readFileSync(join(out, 'soak.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    // Everything it started is gone: no process still runs from its data directories.
    const pids = (output.match(/\(pid (\d+)\)/g) ?? []).map((m) => Number(m.replace(/\D/g, '')));
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`), `process ${pid}`).toBe(false);
  });

  it('refuses a bad flag with one line and exit code 2', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/soak.mjs'), '--minutes', 'soon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect({ code, stderr }).toEqual({ code: 2, stderr: 'error: --minutes "soon" is not a number from 0.1 to 10080\n' });
  });
});
