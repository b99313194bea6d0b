// The set-up bench/edge-hub.mjs and bench/edge-memory.mjs share: the cloud and the edge runtime each in a child
// process (bench/edge-cloud.mjs, bench/edge-server.mjs, IPC: ready, rss, inspect, stop), an edge device with module
// identities only (N senders module→module into one sink, N senders module→$upstream), their MQTT/TLS clients, a
// probe that waits until both routes deliver, and the runtime's peak RSS sampled over IPC.
import { fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { restClient } from './cloud-load.mjs';
import { closeAll, connectModule, subscribe } from './edge-load.mjs';
import { freePort } from './mosquitto-tls.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Forks a bench child script and resolves once it sent its first message (`ready`, with `readyAt`). The fork happens
 * before the first await, so a caller may start probing the child (e.g. connecting to its port) right after the call.
 * Requests are answered in order: stats (`rss`), inspect (V8 heap, RSS kinds, optional heap snapshot), diag (GC pauses
 * and loop stalls, bench/profile/loop-recorder.mjs, when started with VERGE_BENCH_EDGE_DIAG=1), stop.
 */
export async function startChild(script, argv, { execArgv = [], env = {} } = {}) {
  const child = fork(new URL(script, import.meta.url), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: { ...process.env, ...env } });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type, extra = {}) => new Promise((resolve) => {
    pending.push(resolve);
    child.send({ type, ...extra });
  });
  const ready = await new Promise((resolve, reject) => {
    pending.push((m) => resolve({ ...m, readyAt: Date.now() }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return { child, ready, stats: () => request('rss'), inspect: (extra) => request('inspect', extra), diag: () => request('diag'), stop: () => request('stop') };
}

/** Polls `fn` until it returns something other than undefined (errors count as not yet), bounded by `timeoutMs`. */
export async function waitFor(fn, what, timeoutMs = 60_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * Starts the cloud (in `dir`/cloud), registers `edgeId` as an edge device and starts the edge runtime for it on a
 * fixed free MQTT port (a restart can come back on the same one). `edge` takes the runtime process's node flags
 * (`execArgv`), environment and log level. If the edge runtime fails to start, the cloud is stopped again.
 */
export async function startCloudAndEdge({ dir, edgeId, edge: { execArgv = [], env = {}, logLevel = 'warn' } = {} }) {
  const cloud = await startChild('./edge-cloud.mjs', [join(dir, 'cloud')]);
  try {
    const { ports, httpUrl, serviceConnectionString } = cloud.ready;
    const rest = restClient(httpUrl, serviceConnectionString);
    const device = await rest('PUT', `/devices/${edgeId}`, { deviceId: edgeId, capabilities: { iotEdge: true } });
    const edgeConfig = {
      connectionString: `HostName=localhost;DeviceId=${edgeId};SharedAccessKey=${device.authentication.symmetricKey.primaryKey};GatewayHostName=localhost:${ports.mqtt}`,
      cloudCaFile: join(dir, 'cloud', 'ca.pem'),
      cloudApiUrl: `https://localhost:${ports.https}`,
      dataDir: join(dir, 'edge'),
      hostname: 'localhost',
      bindAddress: '127.0.0.1',
      mqttPort: await freePort(),
      httpsPort: 0,
      runtime: 'process',
      logLevel,
    };
    const startEdge = () => startChild('./edge-server.mjs', [JSON.stringify(edgeConfig)], { execArgv, env });
    return { cloud, edge: await startEdge(), startEdge, rest, httpUrl, serviceConnectionString };
  } catch (err) {
    await cloud.stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Deploys `senders` module→module sources (msrc0…), one sink (msink) and `senders` module→$upstream sources
 * (usrc0…), connects a client for each (pushed onto `clients` as they connect, for the caller to close) and waits
 * until a probe reached the sink and the cloud. `counts` is live: messages the sink received and PUBACKs the hub
 * gave the module→module senders (each one a message stored for the sink), probes included.
 */
export async function connectModuleLoad({ rest, edge, edgeId, senders, clients, progress = () => undefined }) {
  const { port, edgeCaPem } = edge.ready;
  const m2mSources = Array.from({ length: senders }, (_, i) => `msrc${i}`);
  const upSources = Array.from({ length: senders }, (_, i) => `usrc${i}`);
  const moduleIds = [...m2mSources, 'msink', ...upSources];
  await rest('POST', `/devices/${edgeId}/applyConfigurationContent`, moduleDeployment(m2mSources, upSources));
  progress(`deployment applied (${moduleIds.length} module identities, ${senders * 2} routes); connecting module clients over TLS`);
  const keys = Object.fromEntries(
    await Promise.all(moduleIds.map(async (m) => [m, (await waitFor(() => rest('GET', `/devices/${edgeId}/modules/${m}`), `identity ${m}`)).authentication.symmetricKey.primaryKey])),
  );
  const connect = async (moduleId) => {
    const client = await waitFor(() => connectModule({ port, caPem: edgeCaPem, edgeId, moduleId, key: keys[moduleId] }), `module ${moduleId} to connect`);
    clients.push(client);
    return client;
  };
  const counts = { sinkReceived: 0, m2mStored: 0 };
  const sink = await connect('msink');
  sink.on('message', () => (counts.sinkReceived += 1));
  await subscribe(sink, `devices/${edgeId}/modules/msink/inputs/#`);
  const topic = (m) => `devices/${edgeId}/modules/${m}/messages/events/%24.on=out`;
  const m2mSenders = [];
  for (const m of m2mSources) m2mSenders.push({ client: await connect(m), topic: topic(m) });
  for (const { client } of m2mSenders) client.on('packetreceive', (p) => void (p.cmd === 'puback' && (counts.m2mStored += 1)));
  const upSenders = [];
  for (const m of upSources) upSenders.push({ client: await connect(m), topic: topic(m) });

  const cloudSeq = async () => (await rest('GET', `/messages?deviceId=${edgeId}&limit=1`))[0]?.sequenceNumber ?? 0;
  progress('waiting for the routes (a probe must reach the sink and the cloud)');
  await waitFor(async () => {
    m2mSenders[0].client.publish(m2mSenders[0].topic, 'probe', { qos: 1 });
    upSenders[0].client.publish(upSenders[0].topic, Buffer.alloc(8), { qos: 1 });
    await sleep(300);
    return counts.sinkReceived > 0 && (await cloudSeq()) > 0 ? true : undefined;
  }, 'the routes to deliver a probe');
  return { keys, sink, m2mSenders, upSenders, counts, cloudSeq };
}

/**
 * The edge runtime's peak memory: `sample()` asks the runtime for its memory (fire and forget, for pump callbacks
 * and intervals) and keeps the process.memoryUsage() with the highest RSS so far, starting from `from`.
 */
export function peakMemorySampler(edge, from) {
  let peak = from;
  return {
    sample: () => void edge.stats().then((s) => {
      if (s.memory.rss > peak.rss) peak = s.memory;
    }),
    peak: () => peak,
  };
}

/** Module identities only: the load generator connects as these modules, so none is started (status stopped). */
export function moduleDeployment(m2mSources, upSources) {
  const idle = { version: '1.0', type: 'process', status: 'stopped', restartPolicy: 'never', startupOrder: 1, settings: { command: process.execPath, args: ['-e', ''] } };
  const routes = {};
  for (const m of m2mSources) routes[`${m}ToSink`] = `FROM /messages/modules/${m}/outputs/* INTO BrokeredEndpoint("/modules/msink/inputs/in")`;
  for (const m of upSources) routes[`${m}ToCloud`] = `FROM /messages/modules/${m}/outputs/* INTO $upstream`;
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { registryCredentials: {} } },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
            edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' } },
          },
          modules: Object.fromEntries([...m2mSources, 'msink', ...upSources].map((m) => [m, idle])),
        },
      },
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } },
    },
  };
}

/** Ends a run of the rig whatever state it reached: clients, then the edge runtime, the cloud and any peer broker, then the temporary directory. */
export async function tearDownRig({ clients = [], edge, cloud, peers = [], dir }) {
  await closeAll(clients).catch(() => undefined);
  await edge?.stop().catch(() => undefined);
  await cloud?.stop().catch(() => undefined);
  for (const peer of peers) await peer?.stop().catch(() => undefined);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
