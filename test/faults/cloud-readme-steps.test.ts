import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import { eventually, tempDir } from '@verge/testkit';
import { killVerge, runVerge, spawnVerge, type VergeProcess } from '@verge/testkit/edge';

// Issue 7, item 3: the README's "Run the cloud" steps, run as a user runs them: the built `verge` CLI (`npm test`
// builds first) as child processes in a fresh working directory, `--data .verge/cloud` relative to it. Before the
// fix, `cloud start` wrote the CA path relative to the working directory into credentials.json, the CLI resolved
// it against the data directory, silently found no CA, and `device create` failed with a TLS error.
// The only departure from the README: `cloud start` binds free ports (0) so the test never collides with a cloud
// on the default ports; the CLI reads the real ones from credentials.json, as it does for the README's defaults.

describe('README "Run the cloud", step by step', () => {
  const tmp = tempDir('verge-readme-');
  const cwd = tmp.dir;
  let cloud: VergeProcess | undefined;
  let deviceCs = '';

  /** Runs one step to its end in the fresh working directory; fails naming the command and its stderr unless it exits 0. */
  async function step(args: string[]): Promise<string> {
    const r = await runVerge(args, { cwd });
    expect(`verge ${args.join(' ')} → exit ${String(r.code)} ${r.stderr}`).toBe(`verge ${args.join(' ')} → exit 0 ${r.stderr}`);
    return r.stdout;
  }

  beforeAll(async () => {
    const started = spawnVerge(['cloud', 'start', '--data', '.verge/cloud', '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn'], { cwd });
    cloud = started;
    await eventually(() => started.output().includes('SharedAccessKey=') || started.child.exitCode !== null, { description: 'verge cloud start to print the connection string', timeoutMs: 20_000, intervalMs: 50 });
  });

  afterAll(async () => {
    cloud?.child.kill('SIGTERM');
    await cloud?.exited;
    killVerge(cloud);
    tmp.cleanup();
  });

  it('verge cloud credentials --data .verge/cloud: the connection string, and an absolute CA path', async () => {
    expect(cloud?.output()).toContain(`Verge cloud created in ${join(cwd, '.verge/cloud')}`);
    const out = await step(['cloud', 'credentials', '--data', '.verge/cloud']);
    expect(out.trim()).toMatch(/^HostName=localhost;SharedAccessKeyName=owner;SharedAccessKey=\S+$/);
    const credentials = JSON.parse(readFileSync(join(cwd, '.verge/cloud/credentials.json'), 'utf8')) as { caPath: string };
    expect(credentials.caPath).toBe(join(cwd, '.verge/cloud/ca.pem'));
  });

  it('verge device create sensor-1 --tags site=oslo: prints the device connection string', async () => {
    const out = await step(['device', 'create', 'sensor-1', '--tags', 'site=oslo']);
    deviceCs = out.trim();
    expect(deviceCs).toMatch(/^HostName=localhost;DeviceId=sensor-1;SharedAccessKey=\S+$/);
  });

  it('verge twin update sensor-1 --desired {"interval":5}', async () => {
    const out = await step(['twin', 'update', 'sensor-1', '--desired', '{"interval":5}']);
    expect(out).toContain('"interval": 5');
    expect(out).toContain('"site": "oslo"');
  });

  it('verge monitor shows the telemetry of a device (Azure SDK, CA .verge/cloud/ca.pem), and verge method invoke sensor-1 reboot reaches it', async () => {
    expect(deviceCs, 'the connection string printed by verge device create').not.toBe('');
    const credentials = JSON.parse(readFileSync(join(cwd, '.verge/cloud/credentials.json'), 'utf8')) as { mqttUrl: string };
    const mqttPort = new URL(credentials.mqttUrl).port;
    const client = device.Client.fromConnectionString(`${deviceCs};GatewayHostName=localhost:${mqttPort}`, deviceMqtt.Mqtt);
    await client.setOptions({ ca: readFileSync(join(cwd, '.verge/cloud/ca.pem'), 'utf8') });
    const monitor = spawnVerge(['monitor'], { cwd });
    try {
      await eventually(() => monitor.stderr().includes('listening for device-to-cloud messages'), { description: 'verge monitor to listen', timeoutMs: 15_000, intervalMs: 50 });
      await client.open();
      client.onDeviceMethod('reboot', (_request, response) => void response.send(200, { rebooting: true }));
      const twin = await client.getTwin();
      expect(twin.properties.desired['interval']).toBe(5);
      await client.sendEvent(new device.Message(JSON.stringify({ temperature: 21.5 })));
      await eventually(() => monitor.output().includes('{"temperature":21.5}'), { description: 'the message in verge monitor', timeoutMs: 15_000, intervalMs: 50 });
      expect(monitor.output()).toContain('sensor-1');

      const out = await step(['method', 'invoke', 'sensor-1', 'reboot', '--payload', '{}']);
      expect(out).toContain('status: 200');
      expect(out).toContain('"rebooting": true');
    } finally {
      monitor.child.kill('SIGINT');
      await monitor.exited;
      killVerge(monitor);
      await client.close().catch(() => undefined);
    }
  });

  it('a CA named by credentials.json that cannot be read is an error naming the file (not a silent fall-back)', async () => {
    const path = join(cwd, '.verge/cloud/credentials.json');
    const credentials = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...credentials, caPath: join(cwd, 'nowhere/ca.pem') }), { mode: 0o600 });
    const r = await runVerge(['device', 'list'], { cwd });
    expect(r.stderr.trim()).toBe(`error: cannot read the cloud CA ${join(cwd, 'nowhere/ca.pem')} (caPath in ${path}): ENOENT: no such file or directory, open '${join(cwd, 'nowhere/ca.pem')}'`);
    expect(r.code).toBe(2); // bad input, like every unreadable file the CLI is pointed at
  });
});
