// Child process of bench/cloud-devices.mjs: runs the cloud from the dist build and answers the driver over IPC
// (ready → ports and credentials; rss → memory usage; stop → clean shutdown). Not meant to be run by hand.
// VERGE_BENCH_CLOUD_DIST: another build of apps/cloud/dist (bench/cloud-ingest.mjs compares two builds).
const { startCloud } = await import(process.env.VERGE_BENCH_CLOUD_DIST === undefined ? '../apps/cloud/dist/start-cloud.js' : `${process.env.VERGE_BENCH_CLOUD_DIST}/start-cloud.js`);

const dataDir = process.argv[2];
if (dataDir === undefined || process.send === undefined) {
  console.error('usage: node bench/cloud-server.mjs DATA_DIR (started by bench/cloud-devices.mjs with an IPC channel)');
  process.exit(2);
}

// VERGE_BENCH_CLOUD_DB / VERGE_BENCH_CLOUD_BUS: a PostgreSQL URL and a NATS URL (bench/cloud-ingest.mjs --store pg --bus).
const shared = {
  ...(process.env.VERGE_BENCH_CLOUD_DB === undefined ? {} : { db: process.env.VERGE_BENCH_CLOUD_DB }),
  ...(process.env.VERGE_BENCH_CLOUD_BUS === undefined ? {} : { bus: process.env.VERGE_BENCH_CLOUD_BUS }),
};
const cloud = await startCloud(
  { dataDir, ...shared, host: '127.0.0.1', httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: 0, hostname: 'localhost', logLevel: process.env.VERGE_BENCH_LOG ?? 'warn' },
  // Connection storms are what this benchmark does on purpose, all from loopback: allow more handshakes in flight
  // than the default, and lift the per-address limits (every simulated device shares 127.0.0.1).
  { mqttLimits: { maxPendingHandshakes: 4096, maxPendingHandshakesPerAddress: 4096, maxConnectionsPerAddress: 1_000_000 } },
);

process.on('message', async (m) => {
  if (m?.type === 'rss') {
    const mem = process.memoryUsage();
    process.send({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed, cpu: process.cpuUsage() });
  } else if (m?.type === 'stop') {
    await cloud.stop();
    process.send({ type: 'stopped' }, () => process.exit(0));
  }
});

process.send({
  type: 'ready',
  ports: cloud.ports,
  httpUrl: cloud.urls.http,
  caPem: cloud.caPem,
  serviceConnectionString: cloud.serviceConnectionString,
});
