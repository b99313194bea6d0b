// Sample IoT Edge module: a simulated machine sensor (the UNMODIFIED Azure IoT SDK, ModuleClient.fromEnvironment over
// MQTT). Every SEND_INTERVAL_MS (default 1000) it sends a reading `{ temperature, vibration, sequence, timeCreated }`
// to its output `readings`. Normal readings: temperature around 60 °C, vibration around 0.8 mm/s. With probability
// ANOMALY_RATE (default 0.05) a reading is a fault: alternately an overheat (+9 °C) or a vibration burst (×2.5), for
// an anomaly detector downstream to find. Copy it, replace `reading()` with your hardware.
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;
const intervalMs = Number(process.env.SEND_INTERVAL_MS || '1000');
const anomalyRate = Number(process.env.ANOMALY_RATE || '0.05');

/** A standard normal draw (Box–Muller). */
function gaussian() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

let faults = 0;
function reading(sequence) {
  let temperature = 60 + 1.5 * gaussian();
  let vibration = 0.8 + 0.08 * gaussian();
  if (Math.random() < anomalyRate) {
    faults += 1;
    if (faults % 2 === 1) temperature += 9;
    else vibration *= 2.5;
  }
  return { temperature: +temperature.toFixed(2), vibration: +vibration.toFixed(3), sequence, timeCreated: new Date().toISOString() };
}

const client = await ModuleClient.fromEnvironment(Mqtt);
client.on('error', (err) => console.error(`client error: ${err.message}`));
await client.open();
console.log('ml-sensor connected');
let sequence = 0;
const timer = setInterval(() => {
  sequence += 1;
  const message = new Message(JSON.stringify(reading(sequence)));
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  client.sendOutputEvent('readings', message).catch((err) => console.error(`send failed: ${err.message}`));
}, intervalMs);

const stop = () => {
  clearInterval(timer);
  client.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
