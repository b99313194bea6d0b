// Child process of bench/edge-hub.mjs: runs the edge runtime (agent, edge hub, workload API) from the dist build and
// answers the driver over IPC (ready → hub port and edge CA; rss → memory and CPU; stop → clean shutdown). Not meant
// to be run by hand: argv[2] is the JSON configuration of startEdge.
import { startEdge } from '../apps/edge/dist/start-edge.js';

const input = JSON.parse(process.argv[2] ?? 'null');
if (input === null || process.send === undefined) {
  console.error('usage: node bench/edge-server.mjs CONFIG_JSON (started by bench/edge-hub.mjs with an IPC channel)');
  process.exit(2);
}

const edge = await startEdge(input);

process.on('message', async (m) => {
  if (m?.type === 'rss') {
    const mem = process.memoryUsage();
    process.send({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed, cpu: process.cpuUsage(), hub: edge.hubStatus() });
  } else if (m?.type === 'stop') {
    await edge.stop();
    process.send({ type: 'stopped' }, () => process.exit(0));
  }
});

process.send({ type: 'ready', port: edge.ports.mqtt, edgeCaPem: edge.edgeCaPem });
