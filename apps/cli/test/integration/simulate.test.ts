// `verge simulate` against a real cloud (`startTestCloud`), run in-process through `main([...])` with stdout captured:
// the MQTT endpoint and CA come from the cloud's data directory (`--data DIR`), the devices report a deployment,
// and Ctrl-C (SIGINT) stops the fleet cleanly with a last JSON line.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import { main } from '../../src/main.js';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});

afterAll(async () => {
  await cloud?.stop();
});

it('runs a fleet until Ctrl-C: registers with tags, reports a deployment, prints JSON status lines', async () => {
  const out: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const sigintListeners = process.listenerCount('SIGINT');
  try {
    const exit = main(['node', 'verge', 'simulate', '--devices', '3', '--prefix', 'cli-', '--tags', 'fleet=cli', '--tags', 'site.city=Oslo', '--fail-rate', 'image=repo/app:9.*=1', '--json', '--interval-ms', '100', '--data', cloud.dataDir]);
    await eventually(async () => ((await cloud.ok('GET', '/devices/cli-2/modules/$edgeAgent')) as { connectionState: string }).connectionState === 'Connected', {
      timeoutMs: 30_000,
      description: 'cli-2 connected as $edgeAgent',
    });
    expect(((await cloud.ok('GET', '/twins/cli-0')) as { tags: unknown }).tags).toEqual({ fleet: 'cli', site: { city: 'Oslo' } });
    const modulesContent = {
      $edgeAgent: { 'properties.desired': edgeAgentDesired({ app: { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'repo/app:9.1', createOptions: '{}' } } }) },
      $edgeHub: { 'properties.desired': edgeHubDesired({}) },
    };
    for (const id of ['cli-0', 'cli-1', 'cli-2']) await cloud.api.applyConfigurationContent(id, { modulesContent });
    const lines = (): Record<string, number>[] =>
      out
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, number>);
    await eventually(() => lines().some((s) => s['failed'] === 3), { timeoutMs: 30_000, description: 'a status line with three failed devices' });
    process.emit('SIGINT');
    expect(await exit).toBe(0);
    const last = lines().at(-1);
    expect(last).toMatchObject({ devices: 3, registered: 3, connected: 0, failed: 3, success: 0 });
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
});

it('stops with status 1 and says why when no device can be registered (a wrong service key)', async () => {
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const wrongKey = `HostName=${cloud.hostName};SharedAccessKeyName=owner;SharedAccessKey=${Buffer.alloc(32).toString('base64')}`;
    // It had printed 'registered 0/2 (2 failed)' with no reason and kept running until Ctrl-C, with status 0.
    const exit = await main(['node', 'verge', 'simulate', '--devices', '2', '--prefix', 'nokey-', '--connection-string', wrongKey, '--api', cloud.cloud.urls.http, '--mqtt', `127.0.0.1:${cloud.mqttPort}`]);
    expect(exit).toBe(1);
    expect(err.join('')).toMatch(/nokey-\d could not be registered: the token's signature does not match a key of policy 'owner'/);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
});
