import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { exampleManifest } from '@verge/testkit/manifest';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// `verge device apply-configuration` / `verge deploy` as a user runs them: the built CLI (`npx tsc -b` first) in a
// child process, against a real cloud over plain HTTP on loopback.
const bin = fileURLToPath(new URL('../../../cli/bin/verge.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../cli/dist/commands/device-apply-configuration.js', import.meta.url)));

let cloud: TestCloud;
let files: { dir: string; cleanup: () => void };

beforeAll(async () => {
  cloud = await startTestCloud();
  files = tempDir('verge-cli-deploy-');
  expect((await cloud.rest('PUT', '/devices/edge1', { deviceId: 'edge1', capabilities: { iotEdge: true } })).status).toBe(200);
  expect((await cloud.rest('PUT', '/devices/plain', { deviceId: 'plain' })).status).toBe(200);
});
afterAll(async () => {
  await cloud?.stop();
  files?.cleanup();
});

function writeManifest(name: string, manifest: unknown): string {
  const path = join(files.dir, name);
  writeFileSync(path, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return path;
}

async function verge(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const connection = ['--connection-string', cloud.cloud.serviceConnectionString, '--api', cloud.cloud.urls.http];
  const child = spawn(process.execPath, [bin, ...args, ...connection], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

async function sensorTwinVersion(): Promise<number | undefined> {
  const res = await cloud.rest('GET', '/twins/edge1/modules/sensor');
  return res.status === 200 ? (res.body as { version: number }).version : undefined;
}

describe.runIf(built)('verge device apply-configuration / verge deploy (built CLI)', () => {
  it('refuses an invalid manifest locally, printing every fault, and sends nothing', async () => {
    const bad = exampleManifest();
    bad.modulesContent['bad.id'] = { 'properties.desired': {} };
    (bad.modulesContent['$edgeHub'] as { 'properties.desired': Record<string, unknown> })['properties.desired']['schemaVersion'] = 7;
    const res = await verge(['device', 'apply-configuration', 'edge1', writeManifest('bad.json', bad)]);
    expect(res.code).toBe(1);
    expect(res.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^\$edgeHub\.properties\.desired\.schemaVersion: /),
      'bad.id: module id "bad.id" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; \'',
    ]);
    expect(res.stderr).toBe(`2 faults in ${join(files.dir, 'bad.json')}; nothing was deployed\n`);
    expect(await sensorTwinVersion()).toBeUndefined();
    const json = await verge(['deploy', 'edge1', writeManifest('broken.json', '{ "modulesContent": '), '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, deviceId: 'edge1', faults: [{ path: '$', rule: 'json' }] });
  });

  it('deploys a valid manifest, with --json and through the deploy alias', async () => {
    const res = await verge(['device', 'apply-configuration', 'edge1', writeManifest('good.json', exampleManifest())]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toBe(`deployed ${join(files.dir, 'good.json')} to edge1 (module twins: $edgeAgent, $edgeHub, sensor)\n`);
    expect(await sensorTwinVersion()).toBe(2);
    const json = await verge(['deploy', 'edge1', writeManifest('next.json', exampleManifest({ threshold: 1 })), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, deviceId: 'edge1', modules: ['$edgeAgent', '$edgeHub', 'sensor'] });
    const twin = await cloud.rest('GET', '/twins/edge1/modules/sensor');
    expect(twin.body).toMatchObject({ version: 3, properties: { desired: { threshold: 1, $version: 3 } } });
  });

  it('reports the API refusal for a device that is not an edge device (exit 1)', async () => {
    const res = await verge(['deploy', 'plain', writeManifest('plain.json', exampleManifest())]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("error: CLD_DEVICE_NOT_EDGE: device 'plain' is not an IoT Edge device (capabilities.iotEdge is false), so it cannot run a deployment manifest\n");
  });
});
