// Demo module: a simulated temperature sensor, written as any Azure IoT Edge module is (the UNMODIFIED Azure IoT
// SDK, ModuleClient.fromEnvironment over MQTT). Every SEND_INTERVAL_MS (default 1000) it sends a reading shaped
// like Microsoft's SimulatedTemperatureSensor to its output `temperatureOutput`: the machine warms up and cools
// down in a slow wave, with noise.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;
const intervalMs = Number(process.env.SEND_INTERVAL_MS || '1000');

function reading(n) {
  const wave = Math.sin(n / 6);
  const noise = () => (Math.random() - 0.5) * 0.6;
  return {
    machine: { temperature: +(24 + 6 * wave + noise()).toFixed(2), pressure: +(1.2 + 0.3 * wave + noise() / 10).toFixed(3) },
    ambient: { temperature: +(21 + noise()).toFixed(2), humidity: Math.round(25 + 3 * Math.random()) },
    timeCreated: new Date().toISOString(),
  };
}

const client = await ModuleClient.fromEnvironment(Mqtt);
client.on('error', (err) => console.error(`client error: ${err.message}`));
await client.open();
console.log('temperature sensor connected');
let n = 0;
const timer = setInterval(() => {
  n += 1;
  const message = new Message(JSON.stringify(reading(n)));
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  message.properties.add('sequenceNumber', String(n));
  client.sendOutputEvent('temperatureOutput', message).catch((err) => console.error(`send failed: ${err.message}`));
}, intervalMs);
const stop = () => {
  clearInterval(timer);
  client.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
