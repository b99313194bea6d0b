// The peer of the edge hub's module→$upstream path in bench/edge-hub.mjs (issue 8, item 2): a Mosquitto "edge"
// bridged (QoS 1, TLS) to a Mosquitto "cloud" (bench/mosquitto-tls.mjs, startMosquittoBridge), driven by the same
// client code and load as the hub: `senders` publishers into the edge, QoS 1, 256 B. Counted: PUBACKs of the edge
// (accepted) in the measured window, what a QoS 1 subscriber of the cloud received in the same window, then the
// drain (until the cloud has every accepted message, or `drainSec`), and both brokers' CPU while the senders ran.
import { pidCpuMs } from './host-stats.mjs';
import { closeAll, connectMosquitto, pumpThroughput, subscribe } from './edge-load.mjs';
import { sleep, waitFor } from './edge-rig.mjs';
import { startMosquittoBridge } from './mosquitto-tls.mjs';

/** Runs the bridged pair for one throughput phase and stops it again; returns its figures. */
export async function measureMosquittoBridge({ run, senders, throughput, drainSec, edgeConfig = [], cloudConfig = [] }) {
  const prefix = `verge-bench/${run}/up`;
  const clients = [];
  let arrived = 0;
  const bridge = await startMosquittoBridge({
    topicPrefix: prefix,
    edgeConfig,
    cloudConfig,
    connectProbe: async (edge, cloud) => {
      const sink = await connectMosquitto(`verge-bench-cloud-sub-${run}`, cloud);
      clients.push(sink);
      sink.on('message', () => (arrived += 1));
      await subscribe(sink, `${prefix}/#`);
      const probe = await connectMosquitto(`verge-bench-bridge-probe-${run}`, edge);
      clients.push(probe);
      await waitFor(
        async () => {
          probe.publish(`${prefix}/probe`, 'probe', { qos: 1 });
          await sleep(200);
          return arrived > 0 ? true : undefined;
        },
        'the Mosquitto bridge to forward a probe',
        20_000,
        0,
      );
    },
  });
  try {
    let accepted = 0;
    const pubs = [];
    for (let i = 0; i < senders; i++) {
      const client = await connectMosquitto(`verge-bench-bridge-pub-${run}-${i}`, bridge.edge);
      client.on('packetreceive', (p) => void (p.cmd === 'puback' && (accepted += 1)));
      clients.push(client);
      pubs.push({ client, topic: `${prefix}/${i}` });
    }
    await sleep(500);
    const arrivedBefore = arrived;
    const acceptedBefore = accepted;
    const cpuBefore = { edge: await pidCpuMs(bridge.edge.pid), cloud: await pidCpuMs(bridge.cloud.pid) };
    const t0 = Date.now();
    const r = await pumpThroughput(pubs, { ...throughput, delivered: () => arrived });
    const seconds = (Date.now() - t0) / 1000;
    const cpu = { edge: await pidCpuMs(bridge.edge.pid), cloud: await pidCpuMs(bridge.cloud.pid) };
    const sent = accepted - acceptedBefore;
    const drainStart = Date.now();
    await waitFor(() => (arrived - arrivedBefore >= sent ? true : undefined), 'the bridge to drain', drainSec * 1000, 50).catch(() => undefined);
    const drainEnd = Date.now();
    const forwarded = arrived - arrivedBefore;
    return {
      ackedPerSec: r.ackedPerSec,
      cloudReceivedPerSec: r.deliveredPerSec,
      endToEndPerSec: forwarded / ((drainEnd - t0) / 1000),
      drainSec: (drainEnd - drainStart) / 1000,
      accepted: sent,
      forwarded,
      drained: forwarded >= sent,
      edgeCpuPercent: (cpu.edge - cpuBefore.edge) / (seconds * 10),
      cloudCpuPercent: (cpu.cloud - cpuBefore.cloud) / (seconds * 10),
      errors: r.errors,
    };
  } finally {
    await closeAll(clients).catch(() => undefined);
    await bridge.stop();
  }
}
