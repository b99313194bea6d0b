import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { killVerge, runVerge, spawnVerge, type VergeProcess, deploySleeperEdge, waitForModuleRunning } from '@verge/testkit/edge';

// Issue 7, "secrets on the edge": the device key must not be on the runtime's command line (`ps`), so the runtime
// reads its connection string from a config file installed with `verge edge config apply` (0600 in a 0700
// directory) or from $VERGE_EDGE_CONNECTION_STRING; `--connection-string` still works but warns loudly. Every file of
// the data directory that holds a secret is 0600 and every directory 0700 (agent state, identity cache, hub store,
// edge CA key, the config), also when an older version left them readable.

const EDGE_ID = 'edge-secrets';
// Files of the data directory that hold secrets, relative to it: each must exist after a run and be 0600.
const SECRET_FILES = ['config/edge.json', 'pki/edge-ca.key.pem', 'agent/identities.json', 'modules/modules.json', 'hub/messages.db', 'hub/hub-state.db'];
// The only files others may read: certificates.
const PUBLIC_FILES = new Set(['pki/edge-ca.pem']);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

describe('the edge device key stays out of ps and out of other users’ reach (real CLI)', () => {
  const tmp = tempDir('verge-sec-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edgeCs: string;
  let key: string;
  let run: VergeProcess | undefined;
  let unstage: (() => void) | undefined;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const deployed = await deploySleeperEdge(t, EDGE_ID);
    edgeCs = deployed.connectionString;
    unstage = deployed.cleanup;
    key = /SharedAccessKey=([^;]+)/.exec(edgeCs)?.[1] ?? '';
  });

  afterAll(async () => {
    killVerge(run);
    await t?.cloud.stop();
    unstage?.();
    tmp.cleanup();
  });

  it('refuses a config file without a connection string in one line, installing nothing', async () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ cloudCaFile: t.cloud.caPath, mqttPrt: 1 }));
    const refused = await runVerge(['edge', 'config', 'apply', '--config', bad, '--data', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^error: edge config file ${bad}: Unrecognized key: "mqttPrt"`));
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    writeFileSync(bad, JSON.stringify({ cloudCaFile: t.cloud.caPath }));
    const missing = await runVerge(['edge', 'config', 'apply', '--config', bad, '--data', dataDir], { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: edge config file ${bad}: connectionString: is required: install a config file holding it (verge edge config apply --config FILE), or set $VERGE_EDGE_CONNECTION_STRING\n`);
    expect(existsSync(join(dataDir, 'config', 'edge.json'))).toBe(false);
  });

  it('runs from an installed config: no key in argv, every secret 0600 in 0700 directories', async () => {
    const file = join(tmp.dir, 'edge-config.json');
    const settings = { connectionString: edgeCs, cloudCaFile: t.cloud.caPath, cloudApiUrl: t.cloud.urls.https, bindAddress: '127.0.0.1', mqttPort: 0, httpsPort: 0, runtime: 'process', logLevel: 'warn' };
    writeFileSync(file, JSON.stringify(settings), { mode: 0o644 });
    const applied = await runVerge(['edge', 'config', 'apply', '--config', file, '--data', dataDir]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`installed the configuration of edge device ${EDGE_ID} as ${join(dataDir, 'config', 'edge.json')}`);
    // As an older version (or a careless copy) might have left them: readable by others. The start narrows them.
    chmodSync(join(dataDir, 'config'), 0o755);
    chmodSync(join(dataDir, 'config', 'edge.json'), 0o644);

    const edge = spawnVerge(['edge', 'start', '--data', dataDir]);
    run = edge;
    await waitForModuleRunning(dataDir, 'sleeper', edge.output);
    expect(edge.output()).toContain(`Verge edge runtime for ${EDGE_ID} started`);
    expect(readFileSync(`/proc/${edge.pid}/cmdline`, 'utf8')).not.toContain(key);
    expect(readFileSync(`/proc/${edge.pid}/environ`, 'utf8')).not.toContain(key);

    const problems: string[] = [];
    for (const path of walk(dataDir)) {
      const rel = relative(dataDir, path);
      const info = statSync(path);
      const mode = info.mode & 0o777;
      if (info.isDirectory() && mode !== 0o700) problems.push(`${rel}/ is ${mode.toString(8)}`);
      else if (!info.isDirectory() && !PUBLIC_FILES.has(rel) && (mode & 0o077) !== 0) problems.push(`${rel} is ${mode.toString(8)}`);
    }
    if ((statSync(dataDir).mode & 0o777) !== 0o700) problems.push(`the data directory is ${(statSync(dataDir).mode & 0o777).toString(8)}`);
    expect(problems).toEqual([]);
    for (const rel of SECRET_FILES) expect({ rel, mode: statSync(join(dataDir, rel)).mode & 0o777 }).toEqual({ rel, mode: 0o600 });

    edge.child.kill('SIGTERM');
    expect((await edge.exited).code).toBe(0);
  });

  it('still takes --connection-string, with a loud warning that ps shows it', async () => {
    const edge = spawnVerge(['edge', 'start', '--data', dataDir, '--connection-string', edgeCs]);
    run = edge;
    await eventually(() => edge.output().includes('started from') || edge.child.exitCode !== null, { description: `the runtime to start (output: ${edge.output()})`, timeoutMs: 30_000, intervalMs: 100 });
    expect(edge.stderr().split('\n')[0]).toBe(
      'warning: --connection-string puts the device key on the command line, where every local user can read it (ps, /proc/PID/cmdline); install it with `verge edge config apply --config FILE` or set $VERGE_EDGE_CONNECTION_STRING instead',
    );
    edge.child.kill('SIGTERM');
    expect((await edge.exited).code).toBe(0);
  });
});
