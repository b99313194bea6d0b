// Child process of bench/edge-hub.mjs: the cloud from the dist build, with a retention large enough that the
// benchmark's hundreds of thousands of messages never reach it (the upstream figures must measure the edge hub,
// not the cloud's retention pruning). IPC as bench/cloud-server.mjs: ready → ports and credentials; rss; stop.
import { startCloud } from '../apps/cloud/dist/start-cloud.js';

const dataDir = process.argv[2];
if (dataDir === undefined || process.send === undefined) {
  console.error('usage: node bench/edge-cloud.mjs DATA_DIR (started by bench/edge-hub.mjs with an IPC channel)');
  process.exit(2);
}

const cloud = await startCloud({
  dataDir,
  host: '127.0.0.1',
  httpPort: 0,
  httpsPort: 0,
  mqttPort: 0,
  amqpPort: 0,
  hostname: 'localhost',
  logLevel: process.env.VERGE_BENCH_LOG ?? 'warn',
  retention: { maxCount: 5_000_000, maxBytes: 4 * 1024 * 1024 * 1024, maxAgeSec: 3600 },
});

process.on('message', async (m) => {
  if (m?.type === 'rss') {
    const mem = process.memoryUsage();
    process.send({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed, cpu: process.cpuUsage() });
  } else if (m?.type === 'stop') {
    await cloud.stop();
    process.send({ type: 'stopped' }, () => process.exit(0));
  }
});

process.send({ type: 'ready', ports: cloud.ports, httpUrl: cloud.urls.http, caPem: cloud.caPem, serviceConnectionString: cloud.serviceConnectionString });
