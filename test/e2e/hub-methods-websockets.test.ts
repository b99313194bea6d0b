import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import { deviceConnectionString } from '@verge/api-client';
import { createSasToken, deriveModuleKey } from '@verge/core';
import type { EdgeHub } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import type { RunningEdge } from '@verge/edge';
import { applyConfigurationContent, collectEvents, createEdgeDevice, runServiceClient, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { httpsCall } from '@verge/testkit/faults';
import { createTestEdgeCa, deployment, registerHubIdentities, runVerge, standaloneHubDeps, startStandaloneHub, startTestEdge, waitForRunning, type HubIdentities } from '@verge/testkit/edge';

// Issue 8 items 3 and 4 with the UNMODIFIED Azure SDK: module → module and module → leaf direct methods over the
// hub's HTTPS endpoint (`ModuleClient.invokeMethod`), and MQTT over WebSockets (`MqttWs`) to the cloud and to the
// hub. The SDK dials 443 (HTTPS, WebSockets) and 8883 fixed, and the gateway host name must resolve to the server:
// so the cloud, then the hub, listen on 127.0.0.1:443 ("localhost"). Only this file binds 443; its scenarios run in
// order (the cloud's, then the hub's).

const HTTPS_PORT = 443;
const EDGE_ID = 'edge-ws';
const LEAF_ID = 'leaf-ws';
const generations: Record<string, string> = { modA: 'gen-a', modB: 'gen-b', modC: 'gen-c' };
const ROUTES = { aToB: 'FROM /messages/modules/modA/outputs/out1 INTO BrokeredEndpoint("/modules/modB/inputs/in1")' };

type Closable = { close(): Promise<unknown> };
const opened: Closable[] = [];
function track<T extends Closable>(c: T): T {
  opened.push(c);
  return c;
}

describe('MQTT over WebSockets to the cloud (MqttWs on the cloud HTTPS port 443)', () => {
  const tmp = tempDir('verge-ws-');
  let t: TestCloud;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'), { https: HTTPS_PORT });
  });
  afterAll(async () => {
    for (const c of opened.splice(0)) await c.close().catch(() => undefined);
    await t?.stop();
    tmp.cleanup();
  });

  it('a device sends telemetry and reads and patches its twin over wss://localhost:443/$iothub/websocket', async () => {
    const created = await t.api.devices.create({ deviceId: 'ws-dev' });
    const cs = deviceConnectionString(t.api.hostName, created, { gatewayHostName: 'localhost' });
    if (cs === undefined) throw new Error('the device has no key');
    const events = collectEvents(t.api, 'ws-dev');
    try {
      const client = track(device.Client.fromConnectionString(cs, deviceMqtt.MqttWs));
      await client.setOptions({ ca: t.cloud.caPem });
      await client.open();
      await client.sendEvent(new device.Message(JSON.stringify({ over: 'websocket', n: 1 })));
      const twin = await client.getTwin();
      await new Promise<void>((resolve, reject) => twin.properties.reported.update({ transport: 'MqttWs' }, (err?: Error) => (err ? reject(err) : resolve())));
      await eventually(() => events.bodiesOf(undefined).some((b) => b['over'] === 'websocket'), { timeoutMs: 10_000, description: 'the WebSocket telemetry in the cloud' });
      const stored = await t.api.twins.get({ deviceId: 'ws-dev' });
      expect(stored.properties?.reported?.['transport']).toBe('MqttWs');
    } finally {
      events.stop();
    }
  });

  it('a service client sends C2D over AMQP on the same WebSocket path (AmqpWs) to a device on MqttWs, and reads its feedback', async () => {
    const created = await t.api.devices.create({ deviceId: 'ws-c2d' });
    const cs = deviceConnectionString(t.api.hostName, created, { gatewayHostName: 'localhost' });
    if (cs === undefined) throw new Error('the device has no key');
    const client = track(device.Client.fromConnectionString(cs, deviceMqtt.MqttWs));
    await client.setOptions({ ca: t.cloud.caPem });
    await client.open();
    const received: string[] = [];
    client.on('message', (msg: device.Message) => {
      received.push(msg.getData().toString());
      void client.complete(msg);
    });
    await t.subscribed('ws-c2d', 'devices/ws-c2d/messages/devicebound/');
    const outcomes = await runServiceClient({
      serviceConnectionString: t.cloud.serviceConnectionString,
      transport: 'AmqpWs',
      caPath: t.cloud.caPath,
      steps: [{ send: 'ws-c2d', data: 'over amqp websockets', messageId: 'ws-1', ack: 'positive' }, { feedback: 1 }],
    });
    expect(outcomes[0]).toEqual({ ok: true });
    expect(outcomes[1]?.records).toEqual([expect.objectContaining({ originalMessageId: 'ws-1', deviceId: 'ws-c2d', statusCode: 'Success' })]);
    expect(received).toEqual(['over amqp websockets']);
  });
});

describe('edge hub HTTPS port 443: module direct methods and MQTT over WebSockets', () => {
  const tmp = tempDir('verge-hub443-');
  let t: TestCloud;
  let ids: HubIdentities;
  let hub: EdgeHub;
  let mqttPort: number;
  let ca: string;

  /** A module connection string; `gateway` "localhost" (the SDK then dials 443 / 8883) or "localhost:port". */
  const moduleCs = (moduleId: string, gateway: string, key = deriveModuleKey(ids.edgeKey, moduleId, generations[moduleId] ?? 'none', 'primary')): string =>
    `HostName=${t.api.hostName};DeviceId=${EDGE_ID};ModuleId=${moduleId};SharedAccessKey=${key};GatewayHostName=${gateway}`;

  async function openModule(moduleId: string, transport: 'ws' | 'tls', key?: string): Promise<device.ModuleClient> {
    const client = track(
      device.ModuleClient.fromConnectionString(moduleCs(moduleId, transport === 'ws' ? 'localhost' : `localhost:${mqttPort}`, key), transport === 'ws' ? deviceMqtt.MqttWs : deviceMqtt.Mqtt),
    );
    await client.setOptions({ ca });
    return client;
  }

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    ids = await registerHubIdentities(t, { edgeId: EDGE_ID, leafId: LEAF_ID, routes: ROUTES });
    const edgeCa = await createTestEdgeCa();
    ca = edgeCa.certificatePem;
    const base = standaloneHubDeps(t, ids, {
      dataDir: join(tmp.dir, 'hub'),
      edgeCa,
      resolveModule: (m) => (m === '$edgeHub' ? { generationId: ids.hubGenerationId } : generations[m] === undefined ? undefined : { generationId: String(generations[m]) }),
    });
    ({ hub, port: mqttPort } = await startStandaloneHub({ ...base, options: { ...base.options, httpsPort: HTTPS_PORT } }));
  });
  afterAll(async () => {
    for (const c of opened.splice(0)) await c.close().catch(() => undefined);
    await hub?.stop();
    await t?.stop();
    tmp.cleanup();
  });

  it('(a) module → module: ModuleClient.invokeMethod reaches the other module and returns its status and payload', async () => {
    expect(hub.status().httpsPort).toBe(HTTPS_PORT);
    const b = await openModule('modB', 'tls');
    b.onMethod('echo', (req, res) => void res.send(201, { echoed: req.payload, by: 'modB' }));
    await b.open();
    const a = await openModule('modA', 'ws'); // A never opens MQTT: invokeMethod is HTTPS only
    const result = await a.invokeMethod(EDGE_ID, 'modB', { methodName: 'echo', payload: { hello: 'B' }, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 0 });
    expect(result).toEqual({ status: 201, payload: { echoed: { hello: 'B' }, by: 'modB' } });
  });

  it('(b) module → leaf device: invokeMethod reaches a leaf connected to the hub', async () => {
    const leafCs = deviceConnectionString(t.api.hostName, ids.leaf, { gatewayHostName: `localhost:${mqttPort}` });
    if (leafCs === undefined) throw new Error('the leaf has no key');
    // The hub serves a leaf once its device scope synced from the cloud.
    await eventually(() => hub.status().scopeDevices > 0, { timeoutMs: 20_000, description: "the hub to sync its device scope (the leaf's key)" });
    const leaf = track(device.Client.fromConnectionString(leafCs, deviceMqtt.Mqtt));
    await leaf.setOptions({ ca });
    leaf.onDeviceMethod('getReading', (req, res) => void res.send(200, { celsius: 21.5, asked: req.payload }));
    await leaf.open();
    const a = await openModule('modA', 'ws');
    const result = await a.invokeMethod(LEAF_ID, { methodName: 'getReading', payload: 'now', responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 0 });
    expect(result).toEqual({ status: 200, payload: { celsius: 21.5, asked: 'now' } });
  });

  it('(c) a wrong SAS token is 401, another device\'s target 403, an offline target 404 DeviceNotOnline, no answer 504', async () => {
    const wrong = await openModule('modA', 'ws', Buffer.alloc(32, 1).toString('base64'));
    const unauthorized = await failure(wrong.invokeMethod(EDGE_ID, 'modB', { methodName: 'echo', payload: null, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 }));
    expect(unauthorized).toMatchObject({ name: 'UnauthorizedError', status: 401, body: { code: 'HUB_METHOD_CALLER_UNAUTHORIZED' } });

    const a = await openModule('modA', 'ws');
    const other = await failure(a.invokeMethod('other-edge', 'modB', { methodName: 'echo', payload: null, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 }));
    expect(other).toMatchObject({ status: 403, body: { code: 'HUB_METHOD_CALLER_FORBIDDEN' } });

    const offline = await failure(a.invokeMethod(EDGE_ID, 'modC', { methodName: 'echo', payload: null, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 }));
    expect(offline).toMatchObject({ status: 404, body: { errorCode: 404103, Message: expect.stringMatching(/^ErrorCode:DeviceNotOnline;/) } });

    const c = await openModule('modC', 'tls');
    c.onMethod('sleep', () => undefined); // never answers
    await c.open();
    const startedMs = Date.now();
    const late = await failure(a.invokeMethod(EDGE_ID, 'modC', { methodName: 'sleep', payload: null, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 }));
    expect(late).toMatchObject({ name: 'GatewayTimeoutError', status: 504, body: { errorCode: 504101 } });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(4_900);
  });

  it('answers a bad body 400, an unknown route 404 and a WebSocket without the mqtt subprotocol 400', async () => {
    const token = createSasToken({
      resource: `${t.api.hostName}/devices/${EDGE_ID}/modules/modA`,
      key: deriveModuleKey(ids.edgeKey, 'modA', 'gen-a', 'primary'),
      expirySec: Math.floor(Date.now() / 1000) + 600,
    });
    // Raw requests (what the SDK cannot send: bad bodies, other routes).
    const hubUrl = `https://localhost:${HTTPS_PORT}`;
    const bad = await httpsCall(`${hubUrl}/twins/${EDGE_ID}/modules/modB/methods?api-version=2018-06-30`, {
      ca,
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: '{"payload":1}',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 'HUB_METHOD_REQUEST_INVALID', Message: expect.stringMatching(/^ErrorCode:ArgumentInvalid;methodName/) });
    const unknown = await httpsCall(`${hubUrl}/twins/x`, { ca });
    expect(unknown.status).toBe(404);
    const noProtocol = await httpsCall(`${hubUrl}/$iothub/websocket`, {
      ca,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    expect(noProtocol.status).toBe(400);
  });

  it('(e) MqttWs module → hub: telemetry is routed to another module\'s input', async () => {
    // modA and modB of the earlier tests are still connected: a second client with the same id would take their
    // sessions over and the SDK's retry policy would take them back, flapping. Close them first.
    for (const c of opened.splice(0)) await c.close().catch(() => undefined);
    const b = await openModule('modB', 'tls');
    const received: unknown[] = [];
    b.on('inputMessage', (input: string, msg: device.Message) => {
      if (input === 'in1') received.push(JSON.parse(msg.getBytes().toString('utf8')));
      void b.complete(msg);
    });
    await b.open();
    const a = await openModule('modA', 'ws');
    await a.open();
    await a.sendOutputEvent('out1', new device.Message(JSON.stringify({ via: 'MqttWs', n: 7 })));
    await eventually(() => received.some((m) => (m as { via?: string }).via === 'MqttWs'), { timeoutMs: 15_000, description: "modB's input to receive modA's WebSocket message" });
  });

  it('refuses to start a second hub on the taken HTTPS port with one clear error naming the port and the flag', async () => {
    const base = standaloneHubDeps(t, ids, { dataDir: join(tmp.dir, 'hub2'), edgeCa: await createTestEdgeCa() });
    const second = startStandaloneHub({ ...base, options: { ...base.options, httpsPort: HTTPS_PORT } });
    await expect(second).rejects.toMatchObject({
      code: 'EDGE_PORT_IN_USE',
      message: expect.stringMatching(/^--https-port 443: the edge hub's HTTPS listener .* cannot bind 127\.0\.0\.1:443: the port is already in use/),
    });
  });
});

describe('edge runtime on 8883 and 443: deployed modules (ModuleClient.fromEnvironment) call each other', () => {
  const tmp = tempDir('verge-rt443-');
  const EDGE = 'edge-rt443';
  let t: TestCloud;
  let edge: RunningEdge;
  let events: EventCollector;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE);
    events = collectEvents(t.api, EDGE);
    // The SDK's fixed ports: modules get IOTEDGE_GATEWAYHOSTNAME=localhost (no port) only with the hub on 8883.
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process', mqttPort: 8883, httpsPort: HTTPS_PORT });
    const manifest = deployment(
      { kind: 'process', node: process.execPath },
      { filter: { file: 'filter.mjs' }, caller: { file: 'method-caller.mjs', env: { TARGET_MODULE: 'filter' } } },
      { routes: { results: 'FROM /messages/modules/caller/outputs/result INTO $upstream' } },
    );
    expect((await applyConfigurationContent(t, EDGE, manifest)).status).toBe(204);
  });
  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.stop();
    tmp.cleanup();
  });

  it('a module over MqttWs invokes echo on another module through the hub and sends the answer to the cloud', async () => {
    expect(edge.ports).toEqual({ mqtt: 8883, https: HTTPS_PORT });
    await waitForRunning(t, EDGE, ['filter', 'caller']);
    const outcome = await eventually(() => events.bodiesOf('caller').find((b) => b['ok'] === true), {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: `the caller module's successful invokeMethod (outcomes so far: ${JSON.stringify(events.bodiesOf('caller'))})`,
    });
    expect(outcome['result']).toEqual({ status: 200, payload: { module: 'filter', payload: { from: 'caller' } } });
  });

  it('`verge edge start` fails at once with one line naming --https-port when 443 is taken', async () => {
    const created = await createEdgeDevice(t, 'edge-second');
    const args = ['edge', 'start', '--data', join(tmp.dir, 'second'), '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--runtime', 'process', '--log-level', 'warn');
    const run = await runVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: created.connectionString }, timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('started');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      "error: --https-port 443: the edge hub's HTTPS listener (direct methods, MQTT over WebSockets) cannot bind 127.0.0.1:443: the port is already in use (another edge runtime or web server?); stop that process or choose another port",
    ]);
  });
});

interface SdkFailure {
  readonly name: string;
  readonly status: number | undefined;
  readonly body: Record<string, unknown>;
}

/** The SDK's error for a failed call: its class, the HTTP status and the parsed error body. */
async function failure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { response?: { statusCode?: number }; responseBody?: string };
    return { name: err.constructor.name, status: err.response?.statusCode, body: JSON.parse(err.responseBody ?? '{}') as Record<string, unknown> };
  }
  throw new Error('the call succeeded');
}
