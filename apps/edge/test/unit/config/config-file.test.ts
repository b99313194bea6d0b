import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { edgeConfigPath, installEdgeConfig, readInstalledEdgeConfig } from '../../../src/config-file.js';
import { allocateModuleUid, moduleUserRangeFor } from '../../../src/runtime/process/module-users.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const CS = `HostName=hub.example;DeviceId=edge1;SharedAccessKey=${KEY}`;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'verge-cfg-'));
  dirs.push(dir);
  return dir;
}

describe('installEdgeConfig / readInstalledEdgeConfig', () => {
  it('validates, resolves a relative cloudCaFile against the file, and installs 0600 in a 0700 directory', async () => {
    const dir = await scratch();
    const source = join(dir, 'edge.json');
    await writeFile(source, JSON.stringify({ connectionString: CS, cloudCaFile: 'ca.pem', mqttPort: 18883 }));
    const installed = await installEdgeConfig(source, join(dir, 'data'));
    expect(installed).toEqual({ path: edgeConfigPath(join(dir, 'data')), deviceId: 'edge1' });
    expect((await stat(installed.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'data', 'config'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(installed.path, 'utf8'))).toEqual({ connectionString: CS, cloudCaFile: join(dir, 'ca.pem'), mqttPort: 18883 });
    expect(await readInstalledEdgeConfig(join(dir, 'data'))).toMatchObject({ values: { mqttPort: 18883 } });
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['an unknown setting', JSON.stringify({ connectionString: CS, dataDir: '/x' }), 'Unrecognized key: "dataDir"'],
    ['no connection string', JSON.stringify({ mqttPort: 1 }), 'connectionString: is required'],
    ['a service connection string', JSON.stringify({ connectionString: `HostName=h;SharedAccessKeyName=owner;SharedAccessKey=${KEY}` }), 'is a service connection string'],
  ])('refuses %s naming the file, installing nothing', async (_name, text, message) => {
    const dir = await scratch();
    const source = join(dir, 'edge.json');
    await writeFile(source, text);
    const refused = await installEdgeConfig(source, join(dir, 'data'), { VERGE_EDGE_CONNECTION_STRING: CS }).catch((e: unknown) => e);
    expect(isVergeError(refused, 'EDGE_CONFIG_FILE_INVALID')).toBe(true);
    expect((refused as Error).message).toContain(`edge config file ${source}: `);
    expect((refused as Error).message).toContain(message);
    expect((refused as Error).message).not.toContain(KEY);
    expect(await readInstalledEdgeConfig(join(dir, 'data'))).toBeUndefined();
  });
});

describe('module users', () => {
  it('gives each data directory its own slice below 2^31 and the lowest free id in it', () => {
    const a = moduleUserRangeFor('/var/lib/verge/edge');
    const b = moduleUserRangeFor('/srv/edge');
    expect(a.count).toBe(65_536);
    expect(a.firstUid).toBeGreaterThanOrEqual(1_600_000_000);
    expect(a.firstUid + a.count - 1).toBeLessThan(2 ** 31);
    expect(a.firstUid).not.toBe(b.firstUid);
    expect(allocateModuleUid(a, [])).toBe(a.firstUid);
    expect(allocateModuleUid(a, [a.firstUid, a.firstUid + 2])).toBe(a.firstUid + 1);
    expect(() => allocateModuleUid({ firstUid: 10, count: 1 }, [10])).toThrow(/no free module user id/);
  });
});
