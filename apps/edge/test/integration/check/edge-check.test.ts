import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '@verge/platform';
import { freePort, tempDir } from '@verge/testkit';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { checkFailed, runEdgeChecks, type CheckReport } from '../../../src/check/index.js';
import { installEdgeConfig } from '../../../src/config-file.js';
import { edgeCaPaths } from '../../../src/edge-ca.js';

// `verge edge check` against a real cloud: each check passes on a healthy device and names the problem on a
// broken one (an expired certificate, a stopped container engine, a full disk by an injected threshold, refused
// credentials, an unreachable cloud, a skewed clock, no configuration).

const DAY_MS = 86_400_000;

function byId(report: CheckReport, id: string): CheckReport['checks'][number] {
  const c = report.checks.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no check ${id}: ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
}

describe('edge check', () => {
  const tmp = tempDir('verge-check-');
  let t: TestCloud;
  let cs: string;
  let n = 0;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    cs = (await createEdgeDevice(t, 'edge-check')).connectionString;
  });
  afterAll(async () => {
    await t?.cloud.stop();
    tmp.cleanup();
  });

  /** A data directory with an installed config file (runtime process unless `settings` says otherwise). */
  async function dataDir(settings: Record<string, unknown> = {}): Promise<string> {
    const dir = join(tmp.dir, `edge-${(n += 1)}`);
    const file = join(tmp.dir, `config-${n}.json`);
    writeFileSync(file, JSON.stringify({ connectionString: cs, cloudCaFile: t.cloud.caPath, cloudApiUrl: t.cloud.urls.https, runtime: 'process', ...settings }));
    await installEdgeConfig(file, dir, {});
    return dir;
  }

  async function writeCa(dir: string, o: { validityDays: number; issuedDaysAgo: number }): Promise<void> {
    const ca = await createCa({ commonName: 'Verge Edge CA edge-check', validityDays: o.validityDays, now: new Date(Date.now() - o.issuedDaysAgo * DAY_MS) });
    mkdirSync(edgeCaPaths(dir).dir, { recursive: true, mode: 0o700 });
    writeFileSync(edgeCaPaths(dir).cert, ca.certificatePem);
  }

  it('passes every check of a healthy device', async () => {
    const dir = await dataDir();
    await writeCa(dir, { validityDays: 365, issuedDaysAgo: 0 });
    const report = await runEdgeChecks({ dataDir: dir, env: {}, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['config-well-formed', 'pass'],
      ['data-dir', 'pass'],
      ['edge-ca-certificate-expiry', 'pass'],
      ['edge-hub-server-certificate-expiry', 'pass'],
      ['cloud-ca-certificate', 'pass'],
      ['container-engine', 'pass'],
      ['cloud-reachable', 'pass'],
      ['clock', 'pass'],
      ['store-disk-space', 'pass'],
    ]);
    expect(checkFailed(report)).toBe(false);
    expect(byId(report, 'cloud-reachable').detail).toContain("accepted the credentials of 'edge-check'");
  });

  it('fails on an expired edge CA and warns on one about to expire', async () => {
    const dir = await dataDir();
    await writeCa(dir, { validityDays: 1, issuedDaysAgo: 10 });
    const expired = await runEdgeChecks({ dataDir: dir, env: {}, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(expired, 'edge-ca-certificate-expiry')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/edge-ca\.pem \(.*\) expired on \d{4}-/), fix: expect.stringContaining('restart the edge runtime') });
    expect(checkFailed(expired)).toBe(true);
    await writeCa(dir, { validityDays: 10, issuedDaysAgo: 0 });
    const soon = await runEdgeChecks({ dataDir: dir, env: {}, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(soon, 'edge-ca-certificate-expiry')).toMatchObject({ status: 'warn', detail: expect.stringContaining('expires in 9 days') });
    expect(checkFailed(soon)).toBe(false);
    expect(checkFailed(soon, true)).toBe(true);
  });

  it('fails when --runtime docker has no engine answering, warns with auto', async () => {
    const env = { DOCKER_HOST: `unix://${join(tmp.dir, 'no-engine.sock')}` };
    const docker = await runEdgeChecks({ dataDir: await dataDir({ runtime: 'docker' }), env, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(docker, 'container-engine')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^the Docker engine at DOCKER_HOST=unix:\/\/.*no-engine\.sock does not answer: /), fix: expect.stringContaining('start the Docker engine') });
    const auto = await runEdgeChecks({ dataDir: await dataDir({ runtime: 'auto' }), env, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(auto, 'container-engine')).toMatchObject({ status: 'warn', fix: expect.stringContaining('only process modules run') });
  });

  it('warns, then fails, on low disk space by injected thresholds', async () => {
    const dir = await dataDir();
    const warn = await runEdgeChecks({ dataDir: dir, env: {}, diskWarnBelowBytes: Number.MAX_SAFE_INTEGER, diskFailBelowBytes: 1 });
    expect(byId(warn, 'store-disk-space')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/free of .* may not fit while offline$/) });
    const fail = await runEdgeChecks({ dataDir: dir, env: {}, diskWarnBelowBytes: Number.MAX_SAFE_INTEGER, diskFailBelowBytes: Number.MAX_SAFE_INTEGER });
    expect(byId(fail, 'store-disk-space')).toMatchObject({ status: 'fail', detail: expect.stringContaining('new messages are refused') });
  });

  it('fails on credentials the cloud refuses', async () => {
    const wrongKey = cs.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`);
    const report = await runEdgeChecks({ dataDir: await dataDir({ connectionString: wrongKey }), env: {}, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(report, 'cloud-reachable')).toMatchObject({ status: 'fail', detail: expect.stringContaining("refused the credentials of edge device 'edge-check' (401") });
    expect(JSON.stringify(report)).not.toContain(Buffer.alloc(32, 7).toString('base64'));
  });

  it('warns when the cloud does not answer and cannot compare the clock then', async () => {
    const report = await runEdgeChecks({ dataDir: await dataDir({ cloudApiUrl: `https://127.0.0.1:${await freePort()}` }), env: {}, timeoutMs: 2_000, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(report, 'cloud-reachable')).toMatchObject({ status: 'warn', detail: expect.stringContaining('the cloud does not answer') });
    expect(byId(report, 'clock').status).toBe('skip');
  });

  it("fails on a clock 10 minutes off the cloud's", async () => {
    const report = await runEdgeChecks({ dataDir: await dataDir(), env: {}, nowMs: () => Date.now() + 600_000, diskWarnBelowBytes: 1, diskFailBelowBytes: 1 });
    expect(byId(report, 'clock')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/clock is ahead of the cloud by 6\d\d\.\d s$/) });
  });

  it('fails without a configuration and skips what needs one', async () => {
    const report = await runEdgeChecks({ dataDir: join(tmp.dir, 'empty'), env: {} });
    expect(byId(report, 'config-well-formed')).toMatchObject({ status: 'fail', detail: expect.stringContaining('connectionString: is required'), fix: expect.stringContaining('verge edge config apply') });
    expect(byId(report, 'data-dir').status).toBe('warn');
    for (const id of ['cloud-ca-certificate', 'container-engine', 'cloud-reachable', 'clock', 'store-disk-space']) expect(byId(report, id).status).toBe('skip');
    expect(checkFailed(report)).toBe(true);
  });
});
