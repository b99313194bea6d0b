// Sample IoT Edge module: a filter (the UNMODIFIED Azure IoT SDK, ModuleClient over MQTT). Of the scored readings
// arriving on input `scored`, only the anomalies whose `anomalyScore` is at least the desired property `minScore`
// (default 0) go on, to output `anomalies`, marked `MessageType: Anomaly` with the model version as a property; the
// rest stays on the device. It reports `{ minScore, forwarded, dropped }` every 10 s.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;
let minScore = 0;
let forwarded = 0;
let dropped = 0;
let twin;

const client = await ModuleClient.fromEnvironment(Mqtt);
client.on('error', (err) => console.error(`client error: ${err.message}`));
await client.open();
console.log('ml-filter connected');

client.on('inputMessage', (inputName, msg) => {
  client.complete(msg, () => undefined);
  if (inputName !== 'scored') return;
  let body;
  try {
    body = JSON.parse(msg.getBytes().toString('utf8'));
  } catch {
    return;
  }
  if (body?.anomaly !== true || !(body.anomalyScore >= minScore)) {
    dropped += 1;
    return;
  }
  forwarded += 1;
  const alert = new Message(JSON.stringify(body));
  alert.contentType = 'application/json';
  alert.contentEncoding = 'utf-8';
  alert.properties.add('MessageType', 'Anomaly');
  alert.properties.add('modelVersion', String(body.modelVersion));
  client.sendOutputEvent('anomalies', alert).catch((err) => console.error(`forward failed: ${err.message}`));
});

for (let attempt = 1; twin === undefined; attempt++) {
  try {
    twin = await client.getTwin();
  } catch (err) {
    console.error(`getTwin failed (attempt ${attempt}): ${err.message}`);
    await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
  }
}
twin.on('properties.desired', () => {
  const wanted = twin.properties.desired.minScore;
  if (typeof wanted === 'number' && wanted >= 0) minScore = wanted;
  twin.properties.reported.update({ minScore }, () => undefined);
});
const timer = setInterval(() => twin.properties.reported.update({ minScore, forwarded, dropped }, () => undefined), 10_000);

const stop = () => {
  clearInterval(timer);
  client.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
