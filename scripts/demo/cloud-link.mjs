// A device's network link to the cloud, as a TCP relay the demo can unplug: 127.0.0.1:<port> → the cloud's MQTT port.
// `unplug()` drops the open connections and refuses new ones (the device is offline); `plug()` lets them through
// again. The TLS session runs end to end through it, untouched.
import { createConnection, createServer } from 'node:net';

export async function openCloudLink(targetPort) {
  const sockets = new Set();
  let plugged = true;
  const server = createServer((inbound) => {
    if (!plugged) {
      inbound.destroy();
      return;
    }
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const dropAll = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: server.address().port,
    unplug() {
      plugged = false;
      dropAll();
    },
    plug() {
      plugged = true;
    },
    async close() {
      dropAll();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
