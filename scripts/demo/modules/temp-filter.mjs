// Demo module: a filter (the UNMODIFIED Azure IoT SDK, ModuleClient.fromEnvironment over MQTT). Readings arriving
// on input `input1` whose machine temperature exceeds the `TemperatureThreshold` desired property (default 25)
// are forwarded to output `output1` marked `MessageType: Alert`; the threshold in force is reported back. Direct
// method `GetThreshold` answers it.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;
let threshold = 25;

const client = await ModuleClient.fromEnvironment(Mqtt);
client.on('error', (err) => console.error(`client error: ${err.message}`));
await client.open();
console.log('filter connected');

client.on('inputMessage', (inputName, msg) => {
  client.complete(msg, () => undefined);
  if (inputName !== 'input1') return;
  let body;
  try {
    body = JSON.parse(msg.getBytes().toString('utf8'));
  } catch {
    return;
  }
  if (!(body?.machine?.temperature > threshold)) return;
  const alert = new Message(JSON.stringify(body));
  for (const p of msg.properties.propertyList) alert.properties.add(p.key, p.value);
  alert.properties.add('MessageType', 'Alert');
  alert.contentType = 'application/json';
  alert.contentEncoding = 'utf-8';
  client.sendOutputEvent('output1', alert).catch((err) => console.error(`forward failed: ${err.message}`));
});

client.onMethod('GetThreshold', (_request, response) => {
  response.send(200, { TemperatureThreshold: threshold }).catch(() => undefined);
});

// The twin may not be available yet right after a first start (the runtime still learning its own identities):
// ask again rather than crash, as a robust module does.
let twin;
for (let attempt = 1; twin === undefined; attempt++) {
  try {
    twin = await client.getTwin();
  } catch (err) {
    console.error(`getTwin failed (attempt ${attempt}): ${err.message}`);
    await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
  }
}
twin.on('properties.desired', (desired) => {
  if (typeof desired.TemperatureThreshold === 'number') threshold = desired.TemperatureThreshold;
  twin.properties.reported.update({ TemperatureThreshold: threshold }, () => undefined);
  console.log(`threshold ${threshold}`);
});

const stop = () => client.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
