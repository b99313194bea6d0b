// The soak's load generator, an UNMODIFIED Azure IoT SDK program. As an edge module (ModuleClient.fromEnvironment)
// it sends to its output `out`; as a leaf device (SOAK_LEAF_CONNECTION_STRING, SOAK_CA_FILE) it sends device
// telemetry through the edge hub. Each message is QoS 1 (the SDK resolves a send on PUBACK) with the application
// property `seq` counting from 1, paced at SOAK_RATE messages per second with at most SOAK_WINDOW unacknowledged.
// Control: the direct method `stats` (module) or the IPC message `{ type: 'stats' }` (leaf) answers the counters;
// `stop` stops sending, waits for the sends in flight and answers the final counters. As a module it also reports
// each desired `soakTick` back as `reported.seenTick` (the soak's twin round trip).
import { readFileSync } from 'node:fs';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { Client, ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;

const rate = Number(process.env.SOAK_RATE || '100');
const windowSize = Number(process.env.SOAK_WINDOW || '100');
const payloadBytes = Number(process.env.SOAK_PAYLOAD_BYTES || '100');
const leafCs = process.env.SOAK_LEAF_CONNECTION_STRING;
const pad = 'x'.repeat(payloadBytes);

const counters = { sent: 0, acked: 0, failed: [], inFlight: 0, skippedTicks: 0 };
let sending = true;
let startedAt = 0;
const idle = [];

function send(client) {
  const seq = ++counters.sent;
  const message = new Message(JSON.stringify({ seq, pad }));
  message.properties.add('seq', String(seq));
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  counters.inFlight += 1;
  const sent = leafCs ? client.sendEvent(message) : client.sendOutputEvent('out', message);
  sent
    .then(() => (counters.acked += 1))
    .catch((err) => {
      // Not acknowledged: the soak does not count it as accepted (it may still arrive: at least once).
      if (counters.failed.length < 10_000) counters.failed.push(seq);
      console.error(`send ${seq} failed: ${err.message}`);
    })
    .finally(() => {
      counters.inFlight -= 1;
      if (counters.inFlight === 0) idle.splice(0).forEach((f) => f());
    });
}

function pace(client) {
  startedAt = Date.now();
  const timer = setInterval(() => {
    if (!sending) return clearInterval(timer);
    const due = Math.floor(((Date.now() - startedAt) / 1000) * rate) - counters.sent;
    if (due > 0 && counters.inFlight >= windowSize) counters.skippedTicks += 1;
    for (let i = 0; i < due && counters.inFlight < windowSize; i++) send(client);
  }, 10);
}

function snapshot() {
  const seconds = (Date.now() - startedAt) / 1000;
  return { sent: counters.sent, acked: counters.acked, failed: counters.failed, inFlight: counters.inFlight, ratePerSec: seconds > 0 ? counters.acked / seconds : 0 };
}

async function stopSending() {
  sending = false;
  if (counters.inFlight > 0) await new Promise((r) => idle.push(r));
  return snapshot();
}

async function main() {
  const client = leafCs ? Client.fromConnectionString(leafCs, Mqtt) : await ModuleClient.fromEnvironment(Mqtt);
  if (leafCs) client.setOptions({ ca: readFileSync(String(process.env.SOAK_CA_FILE), 'utf8') });
  client.on('error', (err) => console.error(`client error: ${err.message}`));
  await client.open();
  console.log(`soak sender connected (${leafCs ? 'leaf device' : `module ${process.env.IOTEDGE_MODULEID}`}, ${rate} msg/s)`);

  if (leafCs) {
    process.on('message', (m) => {
      if (m?.type === 'stats') process.send({ type: 'stats', id: m.id, stats: snapshot() });
      if (m?.type === 'stop') void stopSending().then((stats) => process.send({ type: 'stats', id: m.id, stats }));
    });
  } else {
    client.onMethod('stats', (_req, res) => res.send(200, snapshot()).catch(() => undefined));
    client.onMethod('stop', (_req, res) => void stopSending().then((stats) => res.send(200, stats).catch(() => undefined)));
    const twin = await client.getTwin();
    twin.on('properties.desired', (desired) => {
      if (desired.soakTick === undefined) return;
      twin.properties.reported.update({ seenTick: desired.soakTick }, (err) => err && console.error(`reported update failed: ${err.message}`));
    });
  }
  pace(client);
  const close = () => client.close().finally(() => process.exit(0));
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.on('disconnect', close);
}

main().catch((err) => {
  console.error(`fatal: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
