import { join } from 'node:path';
import type mqtt from 'mqtt';
import { applyConfigurationContent, collectEvents, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '../cloud/index.js';
import { freePort } from '../host/free-port.js';
import { tempDir } from '../host/temp-dir.js';
import { LEAVES_TO_UPSTREAM } from '../manifest/index.js';
import { eventually } from '../wait/index.js';
import { connectLeafMqtt, startRuntimeProcess, type RuntimeProcess } from './runtime-process.js';
import { killVerge } from './verge-cli.js';
import { deployment } from './test-modules.js';

/**
 * A test cloud with edge device `edgeId` (process modules, leaf messages routed to $upstream), leaf device `leafId`
 * under it and its cloud events collected; the edge runtime runs as the user runs it (`verge edge start`, the
 * bundled runtime when the bundle is current) on demand, on one data directory and hub port kept across restarts.
 */
export interface LeafEdge {
  readonly t: TestCloud;
  /** The temporary directory holding the cloud's and the runtime's data (removed by `stop`), for a test's own files. */
  readonly dir: string;
  /** The edge runtime's data directory (`dir`/edge). */
  readonly dataDir: string;
  readonly port: number;
  readonly edgeConnectionString: string;
  /** The leaf's messages as the cloud's `/events` delivers them. */
  readonly events: EventCollector;
  /** Starts `verge edge start`; resolves once its start banner is complete (by its output, no sleep). */
  startRuntime(): Promise<StartedRuntime>;
  /** The leaf's MQTT connection to the hub, retried until the hub accepts it (60 s at most). */
  connectLeaf(): Promise<mqtt.MqttClient>;
  /** Publishes a probe every second until one reaches the cloud (routes come with the $edgeHub twin after start). */
  probeUpstream(client: mqtt.MqttClient): Promise<void>;
  /** Kills the runtimes still running, stops the cloud, removes the temporary directory. */
  stop(): Promise<void>;
}

/** A started runtime and the build its banner names: `bundled`, or `unbundled: <why>`. */
export interface StartedRuntime {
  readonly runtime: RuntimeProcess;
  readonly build: string;
}

/** The banner's last line (apps/cli/src/commands/edge-start.ts): what the runtime loaded. */
const BUILD_LINE = /\n {2}build {9}(.+)\n/;

export async function startLeafEdge(o: { edgeId: string; leafId: string; tempPrefix: string }): Promise<LeafEdge> {
  const tmp = tempDir(o.tempPrefix);
  const dataDir = join(tmp.dir, 'edge');
  const runtimes: RuntimeProcess[] = [];
  let t: TestCloud | undefined;
  let events: EventCollector | undefined;
  const stop = async (): Promise<void> => {
    for (const r of runtimes) killVerge(r);
    events?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  };
  try {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const cloud = t;
    const created = await createEdgeDevice(cloud, o.edgeId);
    const leaf = await createLeafDevice(cloud, o.leafId, created.device);
    const leafKey = leaf.authentication?.symmetricKey?.primaryKey;
    if (typeof leafKey !== 'string') throw new Error(`leaf device ${o.leafId} was created without a symmetric key`);
    const port = await freePort();
    const applied = await applyConfigurationContent(cloud, o.edgeId, deployment({ kind: 'process', node: process.execPath }, {}, { routes: { leaves: LEAVES_TO_UPSTREAM } }));
    if (applied.status !== 204) throw new Error(`the leaf-to-upstream deployment was refused (${applied.status}): ${applied.body}`);
    const collected = collectEvents(cloud.api, o.leafId);
    events = collected;
    let probe = 0;
    return {
      t: cloud,
      dir: tmp.dir,
      dataDir,
      port,
      edgeConnectionString: created.connectionString,
      events: collected,
      startRuntime: async () => {
        const runtime = startRuntimeProcess(cloud, { dataDir, connectionString: created.connectionString, port });
        runtimes.push(runtime);
        await runtime.started;
        return { runtime, build: await outputMatch(runtime, BUILD_LINE, 'the build line of the start banner') };
      },
      connectLeaf: () =>
        eventually(() => connectLeafMqtt(cloud, { deviceId: o.leafId, key: leafKey, port, caFile: join(dataDir, 'pki/edge-ca.pem') }).catch(() => undefined), {
          description: `leaf ${o.leafId} to connect to the hub`,
          timeoutMs: 60_000,
          intervalMs: 500,
        }),
      probeUpstream: async (client) => {
        await eventually(
          () => {
            client.publish(`devices/${o.leafId}/messages/events/probe=${++probe}`, 'probe', { qos: 1 });
            return collected.messages.some((m) => m.properties['probe'] !== undefined);
          },
          { description: `a probe from leaf ${o.leafId} to reach the cloud through the hub`, timeoutMs: 60_000, intervalMs: 1_000 },
        );
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Resolves with the first group of `pattern` once the runtime's stdout holds it; rejects when it exits first. */
function outputMatch(runtime: RuntimeProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdout = runtime.child.stdout;
    const check = (): boolean => {
      const found = pattern.exec(runtime.output())?.[1];
      if (found === undefined) return false;
      stdout?.off('data', check);
      resolve(found);
      return true;
    };
    if (check()) return;
    stdout?.on('data', check);
    void runtime.exited.then(() => {
      stdout?.off('data', check);
      reject(new Error(`the edge runtime exited before printing ${what}; output:\n${runtime.output()}`));
    });
  });
}
