import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { deriveModuleKey, verifySasToken } from '@verge/core';
import { DEFAULT_NODE_IMAGE_TAG, buildNodeImage, describeWithDocker, removeTestContainers } from '@verge/testkit/docker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, silentLog } from '@verge/testkit';
import { DockerModuleRuntime, type LogLine } from '../../../src/runtime/index.js';
import { CONTAINER_WORKLOAD_URI, WorkloadServer } from '../../../src/workload/index.js';
import { DEVICE_KEY, testContext } from '../../unit/workload/fixture.js';
import { dockerSpec } from '../runtime-process/specs.js';

// The workload socket as a container sees it: the module's own socket directory is bind-mounted where
// IOTEDGE_WORKLOADURI points, and the unmodified SDK inside the container (as a non-root user) signs through it,
// cannot sign for another module, and keeps working after the runtime restarts and recreates the socket.

const NODE_MODULES = dirname(dirname(createRequire(import.meta.url).resolve('azure-iot-device/package.json')));
const log = silentLog();

// Every 300 ms: a fresh provider (the SDK caches tokens) signs for this module, then tries another module.
const MODULE_SCRIPT = `
const sdk = require(${JSON.stringify(join(NODE_MODULES, 'azure-iot-device'))});
const e = process.env;
const config = (moduleId, generationId) => ({ workloadUri: e.IOTEDGE_WORKLOADURI, deviceId: e.IOTEDGE_DEVICEID, moduleId, generationId,
  iothubHostName: e.IOTEDGE_IOTHUBHOSTNAME, gatewayHostName: e.IOTEDGE_GATEWAYHOSTNAME });
async function once() {
  const own = new sdk.IotEdgeAuthenticationProvider(config(e.IOTEDGE_MODULEID, e.IOTEDGE_MODULEGENERATIONID));
  try { console.log('TOKEN ' + (await own.getDeviceCredentials()).sharedAccessSignature); } catch (err) { console.log('ERROR ' + err.message); } finally { own.stop(); }
  const other = new sdk.IotEdgeAuthenticationProvider(config('modA', 'gen-a'));
  try { await other.getDeviceCredentials(); console.log('OTHER signed'); } catch (err) { console.log('OTHER refused ' + (err.response && err.response.statusCode)); } finally { other.stop(); }
}
sdk.ModuleClient.fromEnvironment(require(${JSON.stringify(join(NODE_MODULES, 'azure-iot-device-mqtt'))}).Mqtt, (err) => console.log(err ? 'FROMENV ' + err.message : 'FROMENV ok'));
process.on('SIGTERM', () => process.exit(0));
(async () => { for (;;) { await once(); await new Promise((r) => setTimeout(r, 300)); } })();
`;

describeWithDocker('workload socket inside a container', ({ docker, endpoint }) => {
  const runId = randomUUID();
  const ownerId = `owner-${runId}`;
  let dir: string;

  beforeAll(async () => {
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    dir = await mkdtemp('/tmp/vw-');
  }, 300_000);

  afterAll(async () => {
    await removeTestContainers(docker, runId);
    await rm(dir, { recursive: true, force: true });
  });

  async function startServer(): Promise<WorkloadServer> {
    const base = await testContext({ nowMs: Date.now });
    const context = { ...base, resolveModule: (id: string) => (id === 'sdkmod' ? { generationId: 'gen-s' } : base.resolveModule(id)) };
    return WorkloadServer.start({ uri: `unix://${join(dir, 'workload.sock')}`, moduleSocketsDir: join(dir, 'mnt'), context, log });
  }

  async function linesOf(runtime: DockerModuleRuntime, id: string): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for await (const line of runtime.logs(id)) lines.push(line);
    return lines;
  }

  async function waitForLine(runtime: DockerModuleRuntime, id: string, predicate: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine[]> {
    let lines: LogLine[] = [];
    return eventually(
      async () => {
        lines = await linesOf(runtime, id);
        return lines.some(predicate) ? lines : undefined;
      },
      { timeoutMs, intervalMs: 200, description: 'a matching log line' },
    ).catch((err: unknown) => {
      throw new Error(`no matching line within ${timeoutMs} ms: ${JSON.stringify(lines.map((l) => l.text))}`, { cause: err });
    });
  }

  it('the SDK in the container signs through its own mounted socket, as a non-root user, and across a runtime restart', async () => {
    let server = await startServer();
    let runtime = new DockerModuleRuntime({ docker, endpoint, ownerId, workloadSockets: server });
    const id = 'sdkmod';
    const base = dockerSpec(id, DEFAULT_NODE_IMAGE_TAG, runId, { script: MODULE_SCRIPT });
    const createOptions = {
      ...base.settings.createOptions,
      User: '65534:65534',
      HostConfig: { NetworkMode: 'host', Binds: [`${NODE_MODULES}:${NODE_MODULES}:ro`] },
    };
    const spec = { ...base, settings: { ...base.settings, createOptions, createOptionsJson: JSON.stringify(createOptions) } };
    const env = {
      IOTEDGE_WORKLOADURI: server.moduleWorkloadUri(id, 'docker'),
      IOTEDGE_DEVICEID: 'edge1',
      IOTEDGE_MODULEID: id,
      IOTEDGE_MODULEGENERATIONID: 'gen-s',
      IOTEDGE_IOTHUBHOSTNAME: 'hub.local',
      IOTEDGE_GATEWAYHOSTNAME: 'gw.local',
      IOTEDGE_AUTHSCHEME: 'sasToken',
    };
    expect(env.IOTEDGE_WORKLOADURI).toBe(CONTAINER_WORKLOAD_URI);
    await runtime.createModule(spec, { configHash: 'h', env });
    await runtime.startModule(id);
    try {
      const lines = await waitForLine(runtime, id, (l) => l.text.startsWith('OTHER '));
      const token = lines.find((l) => l.text.startsWith('TOKEN '))?.text.slice('TOKEN '.length) ?? '';
      const verified = verifySasToken(token, {
        keys: [deriveModuleKey(DEVICE_KEY, id, 'gen-s', 'primary')],
        audiences: [`hub.local/devices/edge1/modules/${id}`],
        nowSec: Math.floor(Date.now() / 1000),
      });
      expect(verified, JSON.stringify(lines.map((l) => l.text))).toMatchObject({ ok: true });
      expect(lines.map((l) => l.text)).toContain('OTHER refused 403');
      await waitForLine(runtime, id, (l) => l.text === 'FROMENV ok');

      // Runtime restart: the socket file is removed and recreated; the container keeps its directory mount.
      await server.close();
      const restartedAt = Date.now();
      await waitForLine(runtime, id, (l) => l.text.startsWith('ERROR ') && l.atMs >= restartedAt);
      server = await startServer();
      runtime = new DockerModuleRuntime({ docker, endpoint, ownerId, workloadSockets: server });
      const [adopted] = await runtime.observe(); // adoption re-opens the module's socket
      expect(adopted).toMatchObject({ id, state: 'running' });
      const reopenedAt = Date.now();
      await waitForLine(runtime, id, (l) => l.text.startsWith('TOKEN ') && l.atMs >= reopenedAt);
    } finally {
      await runtime.removeModule(id);
      await server.close();
    }
  });
});
