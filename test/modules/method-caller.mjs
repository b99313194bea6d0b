// A module of the end-to-end tests: an UNMODIFIED Azure IoT SDK module (ModuleClient.fromEnvironment over MQTT
// over WebSockets, `MqttWs`) that calls direct method `echo` on module TARGET_MODULE of its own edge device with
// `ModuleClient.invokeMethod` (HTTPS to the edge hub on 443), retrying every second until one call succeeds, and
// sends every outcome on output `result`: `{ ok: true, result }` or `{ ok: false, error }`.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { MqttWs } = deviceMqtt;

const deviceId = process.env.IOTEDGE_DEVICEID;
const moduleId = process.env.IOTEDGE_MODULEID;
const target = process.env.TARGET_MODULE ?? 'filter';

async function main() {
  const client = await ModuleClient.fromEnvironment(MqttWs);
  client.on('error', (err) => console.error(`client error: ${err.message}`));
  await client.open();
  console.log(`${moduleId} connected over WebSockets`);
  const report = (body) => client.sendOutputEvent('result', new Message(JSON.stringify(body))).catch((err) => console.error(`report failed: ${err.message}`));
  for (;;) {
    try {
      const result = await client.invokeMethod(deviceId, target, { methodName: 'echo', payload: { from: moduleId }, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 0 });
      await report({ ok: true, result });
      console.log(`${moduleId}: ${target} answered ${result.status}`);
      return; // stay connected: the process keeps running
    } catch (err) {
      await report({ ok: false, error: `${err.constructor?.name ?? 'Error'}: ${err.message}` });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

main().catch((err) => {
  console.error(`${moduleId} failed: ${err.stack ?? err}`);
  process.exit(1);
});
