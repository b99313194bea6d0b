import { join } from 'node:path';
import type { Device } from '@verge/api-client';
import type { RunningEdge, StartEdgeOptions } from '@verge/edge';
import { createEdgeDevice, createLeafDevice, startTestCloud, type TestCloud } from '../cloud/index.js';
import { eventually } from '../wait/index.js';
import { startTestEdge } from './edge.js';
import { sasCredentials } from '../mqtt/mqtt-frames.js';
import { MqttProbe } from '../mqtt/mqtt-probe.js';

/** A cloud, an edge runtime (process modules, nothing deployed) and a leaf device in its scope. */
export interface CloudWithHub {
  readonly t: TestCloud;
  readonly edge: RunningEdge;
  readonly leaf: Device;
  /** The leaf's primary key (SAS). */
  readonly leafKey: string;
  stop(): Promise<void>;
}

/**
 * Starts a cloud and an edge runtime in `dir` on loopback and registers leaf device `leafId` as the edge device's
 * child; resolves once the hub accepts the leaf (its device scope synced). `mqttLimits` go to the hub's server.
 */
export async function startCloudWithHub(dir: string, o: { edgeId?: string; leafId?: string; mqttLimits?: StartEdgeOptions['mqttLimits'] } = {}): Promise<CloudWithHub> {
  const t = await startTestCloud(join(dir, 'cloud'));
  let edge: RunningEdge | undefined;
  try {
    const created = await createEdgeDevice(t, o.edgeId ?? 'edge-1');
    const leaf = await createLeafDevice(t, o.leafId ?? 'leaf-1', created.device);
    const leafKey = leaf.authentication?.symmetricKey?.primaryKey;
    if (typeof leafKey !== 'string') throw new Error('the leaf device has no symmetric key');
    edge = await startTestEdge(t, { dataDir: join(dir, 'edge'), connectionString: created.connectionString, runtime: 'process', ...(o.mqttLimits === undefined ? {} : { mqttLimits: o.mqttLimits }) });
    const running = edge;
    const leafCreds = sasCredentials({ host: 'localhost', clientId: leaf.deviceId, key: leafKey });
    await eventually(async () => (await MqttProbe.answer({ port: running.ports.mqtt, ca: running.edgeCaPem }, leafCreds)) === 0, { description: `the hub to accept leaf ${leaf.deviceId}`, timeoutMs: 30_000 });
    return {
      t,
      edge: running,
      leaf,
      leafKey,
      stop: async () => {
        await running.stop();
        await t.cloud.stop();
      },
    };
  } catch (e) {
    await edge?.stop();
    await t.cloud.stop();
    throw e;
  }
}
