import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';

// `verge cloud start` / `verge cloud credentials` as a user runs them: the built CLI (`npx tsc -b` first; `npm test`
// builds) in a child process, stopped with SIGTERM.
const bin = fileURLToPath(new URL('../../../cli/bin/verge.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url)));

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

function run(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe.runIf(built)('verge cloud start / credentials (built CLI, child process)', () => {
  it('starts, prints the service connection string, serves /healthz, and stops cleanly on SIGTERM', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const cloud = run(['cloud', 'start', '--data', t.dir, '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn']);
    await eventually(() => /HostName=localhost;SharedAccessKeyName=owner;SharedAccessKey=\S+/.test(cloud.stdout()), { description: 'the connection string', timeoutMs: 20_000 });
    const cs = /HostName=localhost;SharedAccessKeyName=owner;SharedAccessKey=\S+/.exec(cloud.stdout())?.[0];
    const httpUrl = /plain HTTP: (http:\/\/\S+)\)/.exec(cloud.stdout())?.[1];
    expect(cloud.stdout()).toContain(`Verge cloud created in ${t.dir}`);
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);

    // Both credentials commands at once (each mostly a CLI starting up; they only read the data directory).
    const creds = run(['cloud', 'credentials', '--data', t.dir]);
    const json = run(['cloud', 'credentials', '--data', t.dir, '--json']);
    expect(await creds.exited).toBe(0);
    expect(creds.stdout().trim()).toBe(cs);
    expect(creds.stderr()).toContain(`CA: ${t.dir}/ca.pem`);
    expect(await json.exited).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({ serviceConnectionString: cs, hostName: 'localhost' });

    cloud.child.kill('SIGTERM');
    expect(await cloud.exited).toBe(0);
    expect(cloud.stderr()).toBe('');
    await expect(fetch(`${httpUrl}/healthz`)).rejects.toThrow();

    const again = run(['cloud', 'start', '--data', t.dir, '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn']);
    await eventually(() => again.stdout().includes('SharedAccessKey='), { description: 'the second start', timeoutMs: 20_000 });
    expect(again.stdout()).toContain(`Verge cloud started from ${t.dir}`);
    expect(again.stdout()).toContain(cs);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('refuses a second cloud on a data directory another cloud is using, naming it; the first keeps serving', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const args = ['cloud', 'start', '--data', t.dir, '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn'];
    const first = run(args);
    await eventually(() => first.stdout().includes('SharedAccessKey='), { description: 'the first cloud', timeoutMs: 20_000 });
    const httpUrl = /plain HTTP: (http:\/\/\S+)\)/.exec(first.stdout())?.[1];
    const credentials = readFileSync(join(t.dir, 'credentials.json'), 'utf8');

    const second = run(args);
    expect(await second.exited).toBe(1);
    expect(second.stderr().trim()).toBe(
      `error: CLD_DATA_DIR_IN_USE: the data directory ${t.dir} (--data) is in use by another cloud; stop that cloud or choose another --data (several instances each need their own)`,
    );
    // The first cloud was not disturbed: it serves, and its credentials (its own ports) were not overwritten.
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    expect(readFileSync(join(t.dir, 'credentials.json'), 'utf8')).toBe(credentials);

    // Once it stopped, the directory is free again; a SIGKILLed holder frees it too (the OS drops the lock).
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = run(args);
    await eventually(() => third.stdout().includes('SharedAccessKey='), { description: 'a cloud after the first stopped', timeoutMs: 20_000 });
    third.child.kill('SIGKILL');
    await third.exited;
    const fourth = run(args);
    await eventually(() => fourth.stdout().includes('SharedAccessKey='), { description: 'a cloud after a SIGKILLed one', timeoutMs: 20_000 });
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
  });

  it('exits 2 with a clear message on bad flags and 1 when no cloud ran in the directory', async () => {
    // Two independent failing runs, at once.
    const bad = run(['cloud', 'start', '--http-port', '99999']);
    const t = tempDir();
    cleanups.push(t.cleanup);
    const none = run(['cloud', 'credentials', '--data', t.dir]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr().trim()).toBe('error: --http-port 99999 is outside 0..65535');
    expect(await none.exited).toBe(1);
    expect(none.stderr().trim()).toBe(`error: CLD_CREDENTIALS_NOT_FOUND: ${t.dir}/credentials.json does not exist: start the cloud once with --data ${t.dir}`);
  });

  // Node's recursive mkdir spins forever where a parent exists but cannot hold children: the cloud hung, silent.
  it('exits 1 with one line naming a data directory that cannot be created (below /proc, a dangling link, a file)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    symlinkSync(join(t.dir, 'gone'), join(t.dir, 'dangling'));
    writeFileSync(join(t.dir, 'file'), '');
    const cases = [
      ['/proc/verge-cloud-data', 'a parent directory does not exist and cannot be created there (e.g. below /proc, or a dangling symbolic link) (ENOENT)'],
      [join(t.dir, 'dangling', 'cloud'), 'a parent directory does not exist and cannot be created there (e.g. below /proc, or a dangling symbolic link) (ENOENT)'],
      [join(t.dir, 'file'), 'a path component is a file, not a directory (ENOTDIR)'],
    ] as const;
    const runs = cases.map(([dir]) => run(['cloud', 'start', '--data', dir, '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn']));
    for (const [i, [dir, cause]] of cases.entries()) {
      expect(await runs[i]!.exited).toBe(1);
      expect(runs[i]!.stderr().trim()).toBe(`error: CLD_DATA_DIR_UNWRITABLE: the data directory ${dir} (--data) cannot be created or written: ${cause}`);
    }
  });
});
