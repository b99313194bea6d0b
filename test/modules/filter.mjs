// Module B of the end-to-end tests: an UNMODIFIED Azure IoT SDK module (ModuleClient.fromEnvironment over MQTT).
// - every message arriving on input `in` is forwarded to output `out` with its body and properties, plus `via`;
// - every desired-property change is reported back as `reported.seenDesired` (the desired document without $version);
// - direct method `echo` answers 200 with `{ module, payload }`.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;

const moduleId = process.env.IOTEDGE_MODULEID;

function withoutVersion(desired) {
  const copy = { ...desired };
  delete copy.$version;
  return copy;
}

async function main() {
  const client = await ModuleClient.fromEnvironment(Mqtt);
  client.on('error', (err) => console.error(`client error: ${err.message}`));
  await client.open();
  console.log(`${moduleId} connected`);

  client.on('inputMessage', (inputName, msg) => {
    client.complete(msg, () => undefined);
    if (inputName !== 'in') return;
    const out = new Message(msg.getBytes());
    for (const p of msg.properties.propertyList) out.properties.add(p.key, p.value);
    out.properties.add('via', moduleId);
    out.contentType = msg.contentType;
    out.contentEncoding = msg.contentEncoding;
    client.sendOutputEvent('out', out).catch((err) => console.error(`forward failed: ${err.message}`));
  });

  client.onMethod('echo', (request, response) => {
    response.send(200, { module: moduleId, payload: request.payload }).catch((err) => console.error(`method answer failed: ${err.message}`));
  });

  const twin = await client.getTwin();
  twin.on('properties.desired', () => {
    const seenDesired = withoutVersion(twin.properties.desired);
    twin.properties.reported.update({ seenDesired }, (err) => {
      if (err) console.error(`reported update failed: ${err.message}`);
      else console.log(`reported seenDesired ${JSON.stringify(seenDesired)}`);
    });
  });

  const stop = () => client.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`fatal: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
