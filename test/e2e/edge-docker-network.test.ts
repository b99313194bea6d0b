import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '@verge/edge';
import { createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { buildNodeImage, createDockerTestRun, describeWithDocker, DEFAULT_NODE_IMAGE_TAG, type DockerTestRun } from '@verge/testkit/docker';
import { agentReported, deployment, fixtureProcessUser, MODULES_DIR, NODE_MODULES_DIR, waitForRunning } from '@verge/testkit/edge';

// Issue 8 item 5: a container module whose createOptions ask for NO network (Azure's default, what every published
// Azure module image expects) reaches the hub as in Azure. The runtime puts it on a user-defined bridge (the module
// network, `azure-iot-edge` by default; a unique name here so runs on a shared engine never meet), maps the gateway
// host name to the bridge's gateway address (ExtraHosts) where the hub also listens on 8883, and gives it
// IOTEDGE_GATEWAYHOSTNAME with the host name alone. The module is the unmodified-SDK producer (test/modules), its
// messages are routed to the cloud. Also item 6: `$edgeHub` reported version and clients, `$edgeAgent` imageHash.
// And the hub's HTTPS port on the network: a container module (method-caller.mjs, the unmodified SDK over MqttWs)
// calls `echo` on another container module (filter.mjs) with `ModuleClient.invokeMethod`; the SDK dials
// https://edgehub:443 and wss://edgehub:443 (fixed port), which the hub serves on the bridge's gateway address.
//
// The test engine runs `dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false`: it has no
// default bridge, but user-defined bridges work (a host interface `br-…` with the gateway address; no NAT and no
// forwarding, which a container talking to the host's own gateway address does not need). The hub here binds
// 127.0.0.1 (tests stay on loopback) plus the bridge's gateway address, a host-only interface of this engine.
// Port 443 on the gateway address does not clash with hub-methods-websockets.test.ts's 127.0.0.1:443 (Linux refuses
// two listeners on one port only when one of them binds the wildcard address; checked with net.Server: 127.0.0.1
// and another local address bind together, 0.0.0.0 then fails EADDRINUSE), and each run has its own network.

const EDGE_ID = 'edge-docker-net';
const PRODUCER = 'e2e-netproducer';
const CALLER = 'e2e-netcaller';
const TARGET = 'e2e-nettarget';

describeWithDocker('container modules on the module network reach the hub as in Azure', ({ docker }) => {
  const tmp = tempDir('verge-e2n-');
  const runId = randomUUID();
  const network = `verge-test-${runId.slice(0, 8)}`;
  let run: DockerTestRun;
  let t: TestCloud;
  let edge: RunningEdge;
  let events: EventCollector;
  let imageId: string;
  let content: { modulesContent: Record<string, unknown> };
  let connectionString: string;

  beforeAll(async () => {
    run = createDockerTestRun(docker, runId);
    imageId = await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    events = collectEvents(t.api, EDGE_ID);
    connectionString = created.connectionString;
    edge = await startNetworkEdge();
    content = deployment(
      { kind: 'docker', image: DEFAULT_NODE_IMAGE_TAG, runId },
      {
        [PRODUCER]: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '200' } },
        [TARGET]: { file: 'filter.mjs' },
        [CALLER]: { file: 'method-caller.mjs', env: { TARGET_MODULE: TARGET } },
      },
      {
        routes: {
          toCloud: `FROM /messages/modules/${PRODUCER}/outputs/* INTO $upstream`,
          callerResults: `FROM /messages/modules/${CALLER}/outputs/result INTO $upstream`,
        },
      },
    );
    setCreateOptions(content, PRODUCER, defaultNetworkOptions(runId, 'producer.mjs'));
    setCreateOptions(content, TARGET, defaultNetworkOptions(runId, 'filter.mjs'));
    setCreateOptions(content, CALLER, defaultNetworkOptions(runId, 'method-caller.mjs'));
    expect((await applyConfigurationContent(t, EDGE_ID, content)).status).toBe(204);
  });

  function startNetworkEdge(mqttPort = 0): Promise<RunningEdge> {
    const processUser = fixtureProcessUser();
    return startEdge(
      {
        connectionString,
        cloudCaFile: t.cloud.caPath,
        cloudApiUrl: t.cloud.urls.https,
        dataDir: join(tmp.dir, 'edge'),
        hostname: 'localhost',
        bindAddress: '127.0.0.1',
        mqttPort,
        httpsPort: 0,
        runtime: 'docker',
        moduleNetwork: network,
        ...(processUser === undefined ? {} : { processUser }),
        stopTimeoutMs: 5_000,
        logLevel: 'warn',
      },
      { log: createLogger({ service: 'edge', level: (process.env['VERGE_E2E_LOG'] as 'info' | undefined) ?? 'error' }) },
    );
  }

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    await run?.cleanup();
    await docker.getNetwork(network).remove().catch(() => undefined);
    tmp.cleanup();
  });

  it('creates the container on the module network, the gateway host name mapped to the bridge gateway, without a port', async () => {
    await waitForRunning(t, EDGE_ID, [PRODUCER], 120_000);
    const info = await docker.getContainer(PRODUCER).inspect();
    const net = await docker.getNetwork(network).inspect();
    const gateway = (net.IPAM?.Config ?? []).map((c) => (c as { Gateway?: string }).Gateway).find((g) => g !== undefined && g.includes('.'));
    expect(net.Driver).toBe('bridge');
    expect(info.HostConfig.NetworkMode).toBe(network);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
    expect(info.HostConfig.ExtraHosts).toEqual([`edgehub:${gateway}`]);
    expect(info.Config.Env).toContain('IOTEDGE_GATEWAYHOSTNAME=edgehub');
  });

  it('routes the messages of the unmodified-SDK module, which connected through the gateway host name, to the cloud', async () => {
    await eventually(() => events.bodiesOf(PRODUCER).length >= 5, { description: `5 messages of ${PRODUCER} on /events`, timeoutMs: 60_000, intervalMs: 200 });
    const first = events.messages.find((m) => m.moduleId === PRODUCER);
    expect(first?.deviceId).toBe(EDGE_ID);
    expect(events.bodiesOf(PRODUCER)[0]).toMatchObject({ sender: PRODUCER, seq: 1 });
    const { stdout } = await containerLogs(docker, PRODUCER);
    expect(stdout).toContain(`${PRODUCER} connected`);
  });

  it('a module on the network calls another module with ModuleClient.invokeMethod through the hub on gateway:443 (MqttWs too)', async () => {
    await waitForRunning(t, EDGE_ID, [TARGET, CALLER], 120_000);
    const info = await docker.getContainer(CALLER).inspect();
    expect(info.HostConfig.NetworkMode).toBe(network);
    expect(info.Config.Env).toContain('IOTEDGE_GATEWAYHOSTNAME=edgehub');
    const outcome = await eventually(() => events.bodiesOf(CALLER).find((b) => b['ok'] === true), {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: `the caller module's successful invokeMethod (outcomes so far: ${JSON.stringify(events.bodiesOf(CALLER))})`,
    });
    expect(outcome['result']).toEqual({ status: 200, payload: { module: TARGET, payload: { from: CALLER } } });
    const { stdout } = await containerLogs(docker, CALLER);
    expect(stdout).toContain(`${CALLER} connected over WebSockets`);
  });

  it('reports the container image id as $edgeAgent modules.{id}.settings.imageHash', async () => {
    const reported = await agentReported(t, EDGE_ID);
    const settings = ((reported['modules'] as Record<string, { settings: Record<string, unknown> }>)[PRODUCER]?.settings ?? {}) as Record<string, unknown>;
    expect(settings['imageHash']).toBe(imageId);
  });

  it('the cloud refuses a deployment whose route reads $twin, naming the route and the property', async () => {
    const bad = structuredClone(content);
    const hub = bad.modulesContent['$edgeHub'] as Record<string, { routes: Record<string, string> }>;
    (hub['properties.desired'] as { routes: Record<string, string> }).routes['bySite'] = "FROM /messages/* WHERE $twin.tags.site = 'x' INTO $upstream";
    const answer = await applyConfigurationContent(t, EDGE_ID, bad);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('routes.bySite');
    expect(answer.body).toContain("'$twin.tags.site' reads the device twin");
  });

  it('after a runtime restart the adopted container reconnects through the network listener, without a restart', async () => {
    const before = await docker.getContainer(PRODUCER).inspect();
    const port = edge.ports.mqtt; // the same runtime settings (the fingerprint holds the loopback port)
    await edge.stop();
    edge = await startNetworkEdge(port);
    const seen = events.bodiesOf(PRODUCER).length;
    await eventually(() => events.bodiesOf(PRODUCER).length >= seen + 5, { description: 'messages after the restart', timeoutMs: 90_000, intervalMs: 250 });
    const after = await docker.getContainer(PRODUCER).inspect();
    expect([after.Id, after.State.StartedAt]).toEqual([before.Id, before.State.StartedAt]);
  });

  it('reports $edgeHub version and the module in clients: Connected, then Disconnected once it stops', async () => {
    const connected = await eventually(
      async () => {
        const r = await hubReported(t);
        const entry = (r['clients'] as Record<string, Record<string, unknown>> | undefined)?.[`${EDGE_ID}/${PRODUCER}`];
        return entry?.['status'] === 'Connected' ? { r, entry } : undefined;
      },
      { description: '$edgeHub reported clients with the module Connected', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(connected.r['version']).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), build: expect.any(String), commit: expect.any(String) });
    const connectedAt = Date.parse(String(connected.entry['lastConnectedTimeUtc']));
    expect(Number.isNaN(connectedAt)).toBe(false);

    setStatus(content, PRODUCER, 'stopped');
    expect((await applyConfigurationContent(t, EDGE_ID, content)).status).toBe(204);
    const disconnected = await eventually(
      async () => {
        const entry = ((await hubReported(t))['clients'] as Record<string, Record<string, unknown>> | undefined)?.[`${EDGE_ID}/${PRODUCER}`];
        return entry?.['status'] === 'Disconnected' ? entry : undefined;
      },
      { description: '$edgeHub reported the module Disconnected', timeoutMs: 60_000, intervalMs: 250 },
    );
    // The SDK may have reconnected meanwhile (after the runtime restart above): the times only move forward.
    const lastConnected = Date.parse(String(disconnected['lastConnectedTimeUtc']));
    expect(lastConnected).toBeGreaterThanOrEqual(connectedAt);
    expect(Date.parse(String(disconnected['lastDisconnectedTimeUtc']))).toBeGreaterThanOrEqual(lastConnected);
  });
});

/** createOptions of a module that asks for no network: only its program and the repository's files. */
function defaultNetworkOptions(runId: string, file: string): Record<string, unknown> {
  return {
    Cmd: ['node', `/app/modules/${file}`],
    WorkingDir: '/app',
    Labels: { 'verge-test-run': runId },
    HostConfig: { Binds: [`${NODE_MODULES_DIR}:/app/node_modules:ro`, `${MODULES_DIR}:/app/modules:ro`] },
  };
}

function agentModules(content: { modulesContent: Record<string, unknown> }): Record<string, Record<string, unknown>> {
  const agent = content.modulesContent['$edgeAgent'] as Record<string, Record<string, unknown>>;
  return agent['properties.desired']?.['modules'] as Record<string, Record<string, unknown>>;
}

function setCreateOptions(content: { modulesContent: Record<string, unknown> }, id: string, createOptions: Record<string, unknown>): void {
  const module = agentModules(content)[id] as { settings: Record<string, unknown> };
  module.settings['createOptions'] = JSON.stringify(createOptions);
}

function setStatus(content: { modulesContent: Record<string, unknown> }, id: string, status: 'running' | 'stopped'): void {
  (agentModules(content)[id] as Record<string, unknown>)['status'] = status;
}

async function hubReported(t: TestCloud): Promise<Record<string, unknown>> {
  const twin = await t.api.twins.get({ deviceId: EDGE_ID, moduleId: '$edgeHub' });
  return (twin.properties?.reported ?? {}) as Record<string, unknown>;
}

async function containerLogs(docker: Dockerode, name: string): Promise<{ stdout: string }> {
  const raw = await docker.getContainer(name).logs({ stdout: true, stderr: false, follow: false });
  return { stdout: raw.toString('utf8') };
}
