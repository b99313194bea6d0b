// Module A of the end-to-end tests: an UNMODIFIED Azure IoT SDK module (ModuleClient.fromEnvironment over MQTT)
// that sends `{ sender, seq, run }` to its output `out` every SEND_INTERVAL_MS (default 250 ms), seq counting from 1
// (`run` is the process id: each start of the module counts from 1 again). It sends its first message the moment it
// has connected, as a module that publishes at once does.
// It runs the same way in a container (/app/modules, node_modules mounted at /app/node_modules) and as a process.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;

const intervalMs = Number(process.env.SEND_INTERVAL_MS || '250');
const output = process.env.OUTPUT_NAME || 'out';
const moduleId = process.env.IOTEDGE_MODULEID;

async function main() {
  const client = await ModuleClient.fromEnvironment(Mqtt);
  client.on('error', (err) => console.error(`client error: ${err.message}`));
  await client.open();
  console.log(`${moduleId} connected`);
  let seq = 0;
  let sending = false;
  const tick = () => {
    if (sending) return;
    sending = true;
    seq += 1;
    const message = new Message(JSON.stringify({ sender: moduleId, seq, run: process.pid }));
    message.properties.add('seq', String(seq));
    message.contentType = 'application/json';
    message.contentEncoding = 'utf-8';
    client
      .sendOutputEvent(output, message)
      .then(() => (sending = false))
      .catch((err) => {
        // The SDK retries internally; a rejected send is re-sent with the same seq so the stream stays gapless.
        seq -= 1;
        sending = false;
        console.error(`send ${seq + 1} failed: ${err.message}`);
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  const stop = () => {
    clearInterval(timer);
    client.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`fatal: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
