// The demo's fleet: one cloud and three edge runtimes in this process, each edge device registered with tags
// (site, line) and run with process modules, or Docker modules on one engine (each runtime its own container prefix). Everything started is returned with one `stop()`.
import { join } from 'node:path';
import { demoProcessUser } from '../lib/process-user.mjs';
import { openCloudLink } from './cloud-link.mjs';

/** The three edge devices and their tags (`tags.demo = 'ml'` selects them all). */
export const DEMO_DEVICES = [
  { deviceId: 'demo-oslo-press', tags: { demo: 'ml', site: 'oslo', line: 'press' } },
  { deviceId: 'demo-oslo-lathe', tags: { demo: 'ml', site: 'oslo', line: 'lathe' } },
  { deviceId: 'demo-bergen-press', tags: { demo: 'ml', site: 'bergen', line: 'press' } },
];

/** Starts the cloud (plain HTTP and HTTPS API, MQTT, dashboard) with its data under `dataDir/cloud`. */
export async function startDemoCloud({ startCloud }, dataDir, log) {
  return startCloud(
    { dataDir: join(dataDir, 'cloud'), host: '127.0.0.1', httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: 0, hostname: 'localhost', logLevel: 'warn' },
    { log: log.child({ service: 'cloud' }) },
  );
}

/**
 * Registers each device (IoT Edge, tags) and starts its edge runtime under `dataDir/edge-<id>`. Each device reaches the
 * cloud's MQTT endpoint through its own {@link openCloudLink} (`link`), so the demo can take one offline. With
 * `docker` (docker-modules.mjs) the runtimes run Docker modules, their containers named `<deviceId>-<module>`.
 */
export async function startDemoEdges({ edge, apiClient, cloud, api, root, dataDir, log, moduleFiles, docker }) {
  const started = [];
  const links = [];
  const stop = async () => {
    await Promise.allSettled(started.map((e) => e.running.stop()));
    await Promise.allSettled(links.map((l) => l.close()));
  };
  try {
    await Promise.all(
      DEMO_DEVICES.map(async ({ deviceId, tags }) => {
        const device = await api.devices.create({ deviceId, capabilities: { iotEdge: true } });
        await api.twins.update({ deviceId }, { tags });
        const link = await openCloudLink(cloud.ports.mqtt);
        links.push(link);
        const connectionString = `${apiClient.deviceConnectionString(api.hostName, device)};GatewayHostName=localhost:${link.port}`;
        const edgeDataDir = join(dataDir, `edge-${deviceId}`);
        // The modules' own uids must reach the module files, node_modules and their homes under the data directory.
        const { processUser, reason } = await demoProcessUser(edge, { root, edgeDataDir, files: [...moduleFiles, dataDir] });
        const running = await edge.startEdge(
          {
            connectionString,
            cloudCaFile: cloud.caPath,
            cloudApiUrl: cloud.urls.https,
            dataDir: edgeDataDir,
            hostname: 'localhost',
            bindAddress: '127.0.0.1',
            mqttPort: 0,
            httpsPort: 0,
            metricsPort: 0,
            runtime: docker === undefined ? 'process' : 'docker',
            // Three runtimes, one engine, the same module ids: each names its containers behind its own prefix.
            ...(docker === undefined ? {} : { containerPrefix: `${deviceId}-` }),
            ...(processUser === undefined ? {} : { processUser }),
            stopTimeoutMs: 5_000,
            logLevel: 'warn',
          },
          // The demo takes one device offline on purpose: its runtime's reconnect warnings would only drown the story
          // (VERGE_DEMO_LOG=warn shows them).
          { log: log.child({ service: 'edge', deviceId }, { level: process.env.VERGE_DEMO_LOG ?? 'error' }) },
        );
        started.push({ deviceId, tags, running, link, dataDir: edgeDataDir, processUserReason: reason });
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { edges: DEMO_DEVICES.map((d) => started.find((s) => s.deviceId === d.deviceId)), stop };
}
