// The `verge` client commands against a real cloud (`startTestCloud`: ports 0, a temporary data directory), run
// in-process through `main([...])` with stdout/stderr captured. Connection: `--data DIR` (credentials.json and the
// cloud's CA over HTTPS), as an operator would use it. Devices are the unmodified Azure IoT device SDK over MQTT/TLS.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { capturedVerge, type RunningVerge } from '../helpers/verge-cli-capture.js';

let dataDir: string;
let cloud: TestCloud;
let caPem: string;
let mqttPort: number;

const { verge, start, json } = capturedVerge(() => ['--data', dataDir]);

/** Connects the unmodified SDK with a connection string printed by `verge device create --gateway localhost:PORT`. */
async function connectDevice(connectionString: string): Promise<Client> {
  const client = Client.fromConnectionString(connectionString, Mqtt);
  // setOptions is asynchronous (the SDK first tries to read `ca` as a file path): await it before open().
  await client.setOptions({ ca: caPem });
  await client.open();
  onTestFinished(() => client.close().then(() => undefined));
  return client;
}

/**
 * Starts `verge monitor ...args` and resolves once it listens: `monitor` only sees messages sent after its event
 * stream is open, and says so on stderr when the cloud has accepted the stream.
 */
async function listeningMonitor(...args: string[]): Promise<RunningVerge> {
  const run = start('monitor', ...args);
  await eventually(() => run.stderr().includes('listening for device-to-cloud messages'), { description: 'verge monitor to listen', intervalMs: 10 });
  return run;
}

beforeAll(async () => {
  cloud = await startTestCloud();
  dataDir = cloud.dataDir;
  const credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { caPath: string; mqttUrl: string };
  caPem = await readFile(credentials.caPath, 'utf8');
  mqttPort = Number(new URL(credentials.mqttUrl).port);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('device commands', () => {
  it('create prints a connection string the SDK can use; list, show, delete', async () => {
    const created = await verge('device', 'create', 'cli-dev1', '--tags', 'site=oslo', 'location.floor=3');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^HostName=localhost;DeviceId=cli-dev1;SharedAccessKey=[A-Za-z0-9+/=]{20,}\n$/);

    const list = await verge('device', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^DEVICE ID +TYPE +STATUS +CONNECTION +AUTH +PARENT +LAST ACTIVITY$/);
    expect(list.stdout).toMatch(/^cli-dev1 +device +enabled +Disconnected +sas +- +-$/m);

    const shown = await json<{ deviceId: string; authentication: { type: string } }>('device', 'show', 'cli-dev1');
    expect(shown).toMatchObject({ deviceId: 'cli-dev1', authentication: { type: 'sas' } });
    const text = await verge('device', 'show', 'cli-dev1');
    expect(text.stdout).toContain('Device ID:      cli-dev1\n');
    expect(text.stdout).not.toContain(created.stdout.split('SharedAccessKey=')[1]?.trim() ?? 'x');

    const twin = await json<{ tags: unknown }>('twin', 'show', 'cli-dev1');
    expect(twin.tags).toEqual({ site: 'oslo', location: { floor: '3' } });

    expect(await verge('device', 'delete', 'cli-dev1')).toMatchObject({ code: 0, stdout: 'deleted device cli-dev1\n' });
    const gone = await verge('device', 'show', 'cli-dev1');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: CLD_DEVICE_NOT_FOUND: /);
  });

  it("reports an identity whose id holds ';' as written (no connection string can carry it), not as bad input", async () => {
    // Before: each command wrote the identity, then failed with exit 2 ("nothing was sent") on formatting the
    // connection string, and a renewed key was printed nowhere.
    const semi = "cli;semi'dev";
    const created = await verge('device', 'create', semi);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe(`created device ${semi} (its id holds ';', which a connection string cannot carry; its keys: verge device show ${semi} --json)\n`);
    const before = await json<{ authentication: { symmetricKey: { primaryKey: string } } }>('device', 'show', semi);

    const renewed = await verge('device', 'update', semi, '--renew-key', 'primary');
    expect(renewed).toMatchObject({ code: 0, stderr: '' });
    expect(renewed.stdout).toBe(`updated device ${semi}: enabled, keys renewed (its id holds ';', which a connection string cannot carry; its keys: verge device show ${semi} --json)\n`);
    const after = await json<{ authentication: { symmetricKey: { primaryKey: string } } }>('device', 'show', semi);
    expect(after.authentication.symmetricKey.primaryKey).not.toBe(before.authentication.symmetricKey.primaryKey);

    const module = await verge('module', 'create', semi, 'mod;1');
    expect(module).toMatchObject({ code: 0, stderr: '' });
    expect(module.stdout).toBe(`created module ${semi}/mod;1 (its id holds ';', which a connection string cannot carry; its keys: verge module show ${semi} mod;1 --json)\n`);
    const moduleRenewed = await verge('module', 'update', semi, 'mod;1', '--renew-key', 'both');
    expect(moduleRenewed).toMatchObject({ code: 0, stderr: '' });
    expect(moduleRenewed.stdout).toMatch(/^updated module cli;semi'dev\/mod;1: keys renewed \(its id holds ';'/);
    expect(await json<{ connectionString: null }>('module', 'create', semi, 'mod;2', '--json')).toMatchObject({ connectionString: null });
  });

  it('refuses a --ca file that holds no PEM certificate by name, instead of a TLS error naming nothing', async () => {
    // Before: Node's TLS ignored the file and the call failed with 'self-signed certificate in certificate chain'.
    const tmp = tempDir('verge-cli-ca-');
    onTestFinished(tmp.cleanup);
    const notPem = join(tmp.dir, 'ca.json');
    await writeFile(notPem, '{"not":"a certificate"}\n');
    const r = await verge('device', 'list', '--ca', notPem);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `error: --ca: ${notPem} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block)\n` });
    const credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { caPath: string };
    expect((await verge('device', 'list', '--ca', credentials.caPath)).code).toBe(0);
  });

  it("refuses an empty, '.' or '..' id by name before sending: the URL would address another resource", async () => {
    // Before: 'device create ..' said 'no route PUT /', 'device show ""' read the device list and failed on its
    // shape, 'twin show ""' said 'no route GET /twins/': messages naming nothing the operator typed.
    await cloud.createDevice('cli-dot-witness');
    for (const args of [
      ['device', 'create', '..'],
      ['device', 'show', ''],
      ['device', 'delete', '.'],
      ['twin', 'show', ''],
      ['module', 'show', 'cli-dot-witness', '..'],
      ['job', 'show', '..'],
    ]) {
      const id = args[args.length - 1] ?? '';
      const r = await verge(...args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toBe(`error: id '${id}' cannot be sent: ${id === '' ? 'it is empty' : "'.' and '..' are resolved away in a URL path"}, so the request would address another resource\n`);
    }
    expect((await json<{ deviceId: string }[]>('device', 'list')).map((d) => d.deviceId)).toContain('cli-dot-witness');
  });

  it('edge device with a child, X.509 device, --json shapes and --query', async () => {
    const edge = await json<{ device: { capabilities: { iotEdge: boolean }; deviceScope: string }; connectionString: string }>('device', 'create', 'cli-edge', '--edge');
    expect(edge.device.capabilities.iotEdge).toBe(true);
    expect(edge.connectionString).toMatch(/^HostName=localhost;DeviceId=cli-edge;SharedAccessKey=/);

    const leaf = await verge('device', 'create', 'cli-leaf', '--parent', 'cli-edge', '--gateway', 'edge.local');
    expect(leaf.stdout).toMatch(/^HostName=localhost;DeviceId=cli-leaf;SharedAccessKey=[^;]+;GatewayHostName=edge\.local\n$/);
    const leafDevice = await json<{ deviceScope: string }>('device', 'show', 'cli-leaf');
    expect(leafDevice.deviceScope).toBe(edge.device.deviceScope);
    expect((await verge('device', 'list')).stdout).toMatch(/^cli-leaf +device +enabled +Disconnected +sas +cli-edge +-$/m);

    const notEdge = await verge('device', 'create', 'cli-leaf2', '--parent', 'cli-leaf');
    expect(notEdge.code).toBe(2);
    expect(notEdge.stderr).toBe('error: --parent device "cli-leaf" is not an IoT Edge device; only edge devices can be parents\n');

    const thumb = 'AB'.repeat(20);
    const x509 = await verge('device', 'create', 'cli-x509', '--x509', '--thumbprint', thumb);
    expect(x509.stdout).toBe('HostName=localhost;DeviceId=cli-x509;x509=true\n');

    const edges = await json<{ deviceId: string }[]>('device', 'list', '--query', 'SELECT * FROM devices WHERE capabilities.iotEdge = true');
    expect(edges.map((t) => t.deviceId)).toEqual(['cli-edge']);
    const count = await verge('device', 'list', '--query', 'SELECT COUNT() AS n FROM devices');
    expect(count.stdout).toMatch(/^N\n\d+\n$/);
    const top = await json<unknown[]>('device', 'list', '--top', '2');
    expect(top).toHaveLength(2);

    const dup = await verge('device', 'create', 'cli-edge');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^error: CLD_DEVICE_\w+: .*cli-edge/);
  });
});

describe('device update (SDK devices over MQTT/TLS)', () => {
  /** The device's connection state as `verge device show` reports it. */
  const connectionState = async (deviceId: string): Promise<string> => (await json<{ connectionState: string }>('device', 'show', deviceId)).connectionState;

  /** The SDK's open() with a connection string, settled: undefined when it connected (closed again), else the error. */
  async function openError(connectionString: string): Promise<Error | undefined> {
    const client = Client.fromConnectionString(connectionString, Mqtt);
    await client.setOptions({ ca: caPem });
    try {
      await client.open();
      await client.close();
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }

  it('disable drops the connected device and keeps it out until enabled again, with the reason shown', async () => {
    const created = (await verge('device', 'create', 'cli-upd1', '--gateway', `localhost:${mqttPort}`)).stdout.trim();
    await connectDevice(created);
    expect(await connectionState('cli-upd1')).toBe('Connected');

    const disabled = await verge('device', 'update', 'cli-upd1', '--status', 'disabled', '--status-reason', 'lost in transit');
    expect(disabled).toMatchObject({ code: 0, stdout: 'updated device cli-upd1: disabled (lost in transit)\n', stderr: '' });
    await eventually(async () => (await connectionState('cli-upd1')) === 'Disconnected', { description: 'the cloud to drop the disabled device' });
    expect((await openError(created))?.message).toMatch(/not authorized|unauthorized/i);
    expect((await verge('device', 'show', 'cli-upd1')).stdout).toContain('Status:         disabled (lost in transit)\n');

    // Enabled again without a reason: the reason of the disable goes with it.
    expect(await verge('device', 'update', 'cli-upd1', '--status', 'enabled')).toMatchObject({ code: 0, stdout: 'updated device cli-upd1: enabled\n' });
    expect((await verge('device', 'show', 'cli-upd1')).stdout).toContain('Status:         enabled\n');
    expect(await openError(created)).toBeUndefined();
  });

  it('renew-key replaces a key and prints the new connection string; swap exchanges the keys', async () => {
    const first = await json<{ device: { authentication: { symmetricKey: { primaryKey: string; secondaryKey: string } } }; connectionString: string }>(
      'device', 'create', 'cli-upd2', '--gateway', `localhost:${mqttPort}`,
    );
    const { primaryKey, secondaryKey } = first.device.authentication.symmetricKey;
    await connectDevice(first.connectionString);
    expect(await connectionState('cli-upd2')).toBe('Connected');

    const renewed = await verge('device', 'update', 'cli-upd2', '--renew-key', 'primary');
    expect(renewed.code).toBe(0);
    const newPrimary = /SharedAccessKey=(\S+)\n$/.exec(renewed.stdout)?.[1];
    expect(newPrimary).toBeDefined();
    expect(newPrimary).not.toBe(primaryKey);
    expect(Buffer.from(newPrimary ?? '', 'base64')).toHaveLength(32);
    await eventually(async () => (await connectionState('cli-upd2')) === 'Disconnected', { description: 'the cloud to drop the device signing with the replaced key' });
    expect((await openError(first.connectionString))?.message).toMatch(/not authorized|unauthorized/i);
    expect(await openError(`${renewed.stdout.trim()};GatewayHostName=localhost:${mqttPort}`)).toBeUndefined();

    const swapped = await json<{ device: { authentication: { symmetricKey: { primaryKey: string; secondaryKey: string } } }; connectionString: string }>('device', 'update', 'cli-upd2', '--renew-key', 'swap');
    expect(swapped.device.authentication.symmetricKey).toEqual({ primaryKey: secondaryKey, secondaryKey: newPrimary });
    expect(swapped.connectionString).toContain(`SharedAccessKey=${secondaryKey}`);

    // The connection string again, later: either key, with a gateway for a leaf.
    expect((await verge('device', 'connection-string', 'cli-upd2')).stdout).toBe(`${swapped.connectionString}\n`);
    expect((await verge('device', 'connection-string', 'cli-upd2', '--key', 'secondary', '--gateway', 'edge.local')).stdout).toBe(
      `HostName=localhost;DeviceId=cli-upd2;SharedAccessKey=${newPrimary};GatewayHostName=edge.local\n`,
    );
    expect(await verge('device', 'connection-string', 'cli-upd2', '--key', 'tertiary')).toMatchObject({ code: 2, stderr: 'error: --key "tertiary" is not one of primary, secondary\n' });
  });

  it('refuses what it cannot do with a message naming the flag, and changes nothing', async () => {
    await verge('device', 'create', 'cli-upd3', '--x509', '--thumbprint', 'A'.repeat(40));
    const before = await json<{ etag: string }>('device', 'show', 'cli-upd3');
    expect(await verge('device', 'update', 'cli-upd3')).toMatchObject({ code: 2, stderr: 'error: device update needs at least one of --status, --status-reason, --renew-key\n' });
    expect(await verge('device', 'update', 'cli-upd3', '--status', 'off')).toMatchObject({ code: 2, stderr: 'error: --status "off" is not one of enabled, disabled\n' });
    expect(await verge('device', 'update', 'cli-upd3', '--renew-key', 'both')).toMatchObject({ code: 2, stderr: 'error: --renew-key needs an identity with SAS keys; cli-upd3 authenticates with selfSigned\n' });
    const stale = await verge('device', 'update', 'cli-upd3', '--status', 'disabled', '--etag', 'not-the-etag');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error: CLD_ETAG_MISMATCH: /);
    expect(await json<{ etag: string; status: string }>('device', 'show', 'cli-upd3')).toMatchObject({ etag: before.etag, status: 'enabled' });
    expect(await verge('device', 'update', 'cli-ghost', '--status', 'enabled')).toMatchObject({ code: 1, stderr: "error: CLD_DEVICE_NOT_FOUND: device 'cli-ghost' is not registered\n" });
  });
});

describe('module and twin commands', () => {
  it('module create prints a module connection string; module list; twin show/update', async () => {
    await verge('device', 'create', 'cli-modhost', '--edge');
    const created = await verge('module', 'create', 'cli-modhost', 'filter');
    expect(created.stdout).toMatch(/^HostName=localhost;DeviceId=cli-modhost;ModuleId=filter;SharedAccessKey=[^;]+\n$/);
    const list = await verge('module', 'list', 'cli-modhost');
    expect(list.stdout).toMatch(/^MODULE ID +CONNECTION +AUTH +MANAGED BY +LAST ACTIVITY\n/);
    expect(list.stdout).toMatch(/^filter +Disconnected +sas +- +-$/m);

    const updated = await json<{ properties: { desired: Record<string, unknown> } }>('twin', 'update', 'cli-modhost', '--module', 'filter', '--desired', '{"threshold":5}');
    expect(updated.properties.desired['threshold']).toBe(5);
    const patched = await json<{ tags: unknown; properties: { desired: Record<string, unknown> } }>('twin', 'update', 'cli-modhost', '--tags', '{"env":"prod"}', '--desired', '{"a":{"b":1}}');
    expect(patched.tags).toEqual({ env: 'prod' });
    expect(patched.properties.desired['a']).toEqual({ b: 1 });
    const removed = await json<{ properties: { desired: Record<string, unknown> } }>('twin', 'update', 'cli-modhost', '--desired', '{"a":null}');
    expect(removed.properties.desired).not.toHaveProperty('a');

    const shown = await verge('twin', 'show', 'cli-modhost', '--module', 'filter');
    expect(shown.stdout).toMatch(/^Twin cli-modhost\/filter {2}\(etag .+, version \d+, Disconnected\)\ntags:\n/);
    expect(shown.stdout).toContain('"threshold": 5');
    expect(shown.stdout).not.toContain('$metadata');

    const stale = await verge('twin', 'update', 'cli-modhost', '--desired', '{"x":1}', '--etag', 'not-the-etag');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error: \w+: /);
  });
});

describe('module show, update, delete', () => {
  it('shows a module, renews its keys (the old string stops working), refuses managed modules, deletes it', async () => {
    await verge('device', 'create', 'cli-modupd');
    const created = await json<{ module: { authentication: { symmetricKey: { primaryKey: string; secondaryKey: string } } }; connectionString: string }>('module', 'create', 'cli-modupd', 'm1');
    const shown = await verge('module', 'show', 'cli-modupd', 'm1');
    expect(shown.stdout).toMatch(/^Module ID: +cli-modupd\/m1\nManaged by: +-\nConnection: +Disconnected \(since -\)\nAuthentication: sas\n/);
    expect(shown.stdout).not.toContain(created.module.authentication.symmetricKey.primaryKey);

    const renewed = await verge('module', 'update', 'cli-modupd', 'm1', '--renew-key', 'both', '--gateway', `localhost:${mqttPort}`);
    expect(renewed.stdout).toMatch(/^HostName=localhost;DeviceId=cli-modupd;ModuleId=m1;SharedAccessKey=[^;]+;GatewayHostName=localhost:\d+\n$/);
    const keys = (await json<{ authentication: { symmetricKey: { primaryKey: string; secondaryKey: string } } }>('module', 'show', 'cli-modupd', 'm1')).authentication.symmetricKey;
    expect(keys.primaryKey).not.toBe(created.module.authentication.symmetricKey.primaryKey);
    expect(keys.secondaryKey).not.toBe(created.module.authentication.symmetricKey.secondaryKey);
    expect(renewed.stdout).toContain(`SharedAccessKey=${keys.primaryKey};`);
    expect((await verge('module', 'connection-string', 'cli-modupd', 'm1', '--key', 'secondary')).stdout).toBe(`HostName=localhost;DeviceId=cli-modupd;ModuleId=m1;SharedAccessKey=${keys.secondaryKey}\n`);

    await cloud.api.modules.create({ deviceId: 'cli-modupd', moduleId: 'managed', managedBy: 'iotEdge' });
    expect(await verge('module', 'update', 'cli-modupd', 'managed', '--renew-key', 'primary')).toMatchObject({
      code: 2,
      stderr: 'error: --renew-key cannot renew the keys of module managed: it is managed by iotEdge and its keys derive from the device key (renew that one: verge device update cli-modupd --renew-key)\n',
    });
    expect(await verge('module', 'update', 'cli-modupd', 'm1')).toMatchObject({ code: 2, stderr: 'error: module update needs --renew-key\n' });

    expect(await verge('module', 'delete', 'cli-modupd', 'managed')).toMatchObject({ code: 0, stdout: 'deleted module cli-modupd/managed\n', stderr: expect.stringMatching(/^module managed is managed by iotEdge: the device's edge agent creates it again/) });
    expect(await verge('module', 'delete', 'cli-modupd', 'm1')).toMatchObject({ code: 0, stdout: 'deleted module cli-modupd/m1\n', stderr: '' });
    expect(await verge('module', 'show', 'cli-modupd', 'm1')).toMatchObject({ code: 1, stderr: "error: CLD_MODULE_NOT_FOUND: module 'm1' is not registered on device 'cli-modupd'\n" });
  });
});

describe('device round trips (SDK device over MQTT/TLS)', () => {
  it('monitor prints telemetry; method invoke; c2d send', async () => {
    const created = await verge('device', 'create', 'cli-sim', '--gateway', `localhost:${mqttPort}`);
    const device = await connectDevice(created.stdout.trim());

    // monitor: start it, send once it listens; it stops after one message.
    const monitor = await listeningMonitor('--device', 'cli-sim', '--count', '1', '--timeout', '30', '--json');
    const message = new Message(JSON.stringify({ temp: 21.5 }));
    message.properties.add('alert', 'true');
    message.contentType = 'application/json';
    message.contentEncoding = 'utf-8';
    await device.sendEvent(message);
    const monitored = await monitor.done;
    expect(monitored.code).toBe(0);
    expect(monitored.stderr).toBe('listening for device-to-cloud messages of device cli-sim (Ctrl-C to stop)\n');
    const line = JSON.parse(monitored.stdout.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ deviceId: 'cli-sim', moduleId: null, properties: { alert: 'true' }, body: { temp: 21.5 }, bodyEncoding: 'json' });
    expect(typeof line['enqueuedTime']).toBe('string');

    // method invoke: answered (2xx → exit 0, non-2xx → exit 3), and not connected (404 → exit 1).
    device.onDeviceMethod('echo', (request, response) => void response.send(200, { got: request.payload }));
    device.onDeviceMethod('fail', (_request, response) => void response.send(500, { reason: 'nope' }));
    const ok = await verge('method', 'invoke', 'cli-sim', 'echo', '--payload', '{"n":1}', '--timeout', '10');
    expect(ok).toMatchObject({ code: 0, stdout: 'status: 200\n{\n  "got": {\n    "n": 1\n  }\n}\n' });
    const failed = await verge('method', 'invoke', 'cli-sim', 'fail', '--json');
    expect(failed.code).toBe(3);
    expect(JSON.parse(failed.stdout)).toEqual({ status: 500, payload: { reason: 'nope' } });
    await verge('device', 'create', 'cli-offline');
    const offline = await verge('method', 'invoke', 'cli-offline', 'echo');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/^error: CLD_DEVICE_NOT_CONNECTED: /);

    // c2d send: the device receives payload, properties and ids.
    const received = new Promise<Message>((resolve) => device.on('message', (m: Message) => resolve(m)));
    const sent = await verge('c2d', 'send', 'cli-sim', 'hello device', '--property', 'k=v', '--message-id', 'mid-1', '--correlation-id', 'cid-1', '--ttl', '60');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^queued message mid-1 for cli-sim \(expires .+; \d+ pending\)\n$/);
    const got = await received;
    expect(got.getBytes().toString('utf8')).toBe('hello device');
    expect(got.messageId).toBe('mid-1');
    expect(got.correlationId).toBe('cid-1');
    expect(got.properties.getValue('k')).toBe('v');
  });

  it('monitor text output, filtered to one device', async () => {
    const a = await verge('device', 'create', 'cli-mon-a', '--gateway', `localhost:${mqttPort}`);
    const b = await verge('device', 'create', 'cli-mon-b', '--gateway', `localhost:${mqttPort}`);
    const deviceA = await connectDevice(a.stdout.trim());
    const deviceB = await connectDevice(b.stdout.trim());
    const monitor = await listeningMonitor('--device', 'cli-mon-b', '--count', '1', '--timeout', '30');
    await deviceA.sendEvent(new Message('from a'));
    await deviceB.sendEvent(new Message('from b'));
    const monitored = await monitor.done;
    expect(monitored.code).toBe(0);
    expect(monitored.stderr).toBe('listening for device-to-cloud messages of device cli-mon-b (Ctrl-C to stop)\n');
    expect(monitored.stdout).toMatch(/^\S+Z {2}cli-mon-b\n/);
    expect(monitored.stdout).toContain('  body:       "from b"\n');
    expect(monitored.stdout).not.toContain('from a');
  });

  it('a query table shows no control character a device reported (C1 CSI included), so it cannot drive the terminal', async () => {
    const created = await verge('device', 'create', 'cli-twin-esc', '--gateway', `localhost:${mqttPort}`);
    const device = await connectDevice(created.stdout.trim());
    const twin = await device.getTwin();
    await new Promise<void>((resolve, reject) => twin.properties.reported.update({ note: 'a\u009b2J\u001b[31mb' }, (e?: Error) => (e ? reject(e) : resolve())));
    const listed = await verge('device', 'list', '--query', "SELECT deviceId, properties.reported.note FROM devices WHERE deviceId = 'cli-twin-esc'");
    expect(listed.code).toBe(0);
    const controls = [...listed.stdout].filter((c) => c !== '\n' && (c < ' ' || (c >= '\u007f' && c <= '\u009f')));
    expect(controls).toEqual([]);
    expect(listed.stdout).toMatch(/^cli-twin-esc +a 2J \[31mb$/m);
  });

  it('monitor text output escapes control characters a device put in its message, so it cannot drive the terminal', async () => {
    const created = await verge('device', 'create', 'cli-mon-esc', '--gateway', `localhost:${mqttPort}`);
    const device = await connectDevice(created.stdout.trim());
    const monitor = await listeningMonitor('--device', 'cli-mon-esc', '--count', '1', '--timeout', '30');
    // Clear the screen, set the window title, turn the text red; a C1 CSI in a JSON body.
    const message = new Message(JSON.stringify({ note: 'a\u009b2Jb' }));
    message.properties.add('evil', '\x1b[2J\x1b]0;pwned\x07\x1b[31mred');
    message.properties.add('\x1b[1mkey', 'v');
    message.messageId = 'id\x1b[5m';
    await device.sendEvent(message);
    const monitored = await monitor.done;
    expect(monitored.code).toBe(0);
    const controls = [...monitored.stdout].filter((c) => c !== '\n' && (c < ' ' || (c >= '\u007f' && c <= '\u009f')));
    expect(controls).toEqual([]);
    expect(monitored.stdout).toContain('  properties: evil=\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mred  \\x1b[1mkey=v\n');
    expect(monitored.stdout).toContain('messageId=id\\x1b[5m');
    expect(monitored.stdout).toContain('  body:       {"note":"a\\x9b2Jb"}\n');
  });
});
