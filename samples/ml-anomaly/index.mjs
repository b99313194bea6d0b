// Sample IoT Edge module: ML anomaly detection at the edge (the UNMODIFIED Azure IoT SDK, ModuleClient over MQTT).
// The model is trained in the cloud and arrives as the module twin's desired property
// `model: { version, params }`; the module checks it, keeps a copy on local disk and scores every reading from input
// `readings` locally, sending `{ ...reading, anomalyScore, anomaly, feature, modelVersion }` to output `scored`.
// Offline: at start it loads the last model it got from disk (MODEL_CACHE_DIR, default the module's TMPDIR) before the
// twin is reachable, and keeps scoring with it when the cloud is gone. It reports the model in force as reported
// property `model: { version, source: 'twin' | 'cache', loadedAt }` (`error` when a desired model was refused).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import { modelProblem, score } from './detector.mjs';

const { ModuleClient, Message } = device;
const { Mqtt } = deviceMqtt;
const cacheDir = process.env.MODEL_CACHE_DIR || tmpdir();
const cacheFile = join(cacheDir, `ml-anomaly-model-${process.env.IOTEDGE_DEVICEID ?? 'device'}-${process.env.IOTEDGE_MODULEID ?? 'module'}.json`);

let model; // { version, params }
let loaded; // what is reported: { version, features, source: 'twin' | 'cache', loadedAt }
let twin;

async function loadCachedModel() {
  try {
    const cached = JSON.parse(await readFile(cacheFile, 'utf8'));
    if (modelProblem(cached) === undefined) adopt(cached, 'cache');
  } catch {
    // no cached model yet (first start)
  }
}

function adopt(next, from) {
  model = { version: next.version, params: next.params };
  loaded = { version: model.version, features: model.params.features, source: from, loadedAt: new Date().toISOString() };
  console.log(`model v${model.version} loaded from the ${from} (${model.params.features.join(', ')}; threshold ${model.params.threshold})`);
  report({ model: { ...loaded, error: null } });
}

async function saveModel() {
  await mkdir(cacheDir, { recursive: true });
  await writeFile(`${cacheFile}.tmp`, JSON.stringify(model));
  await rename(`${cacheFile}.tmp`, cacheFile);
}

function report(patch) {
  twin?.properties.reported.update(patch, (err) => {
    if (err) console.error(`report failed: ${err.message}`);
  });
}

function onDesired() {
  const desired = twin.properties.desired.model;
  if (desired === undefined || desired === null) return;
  const problem = modelProblem(desired);
  if (problem !== undefined) {
    console.error(`desired model refused: ${problem}`);
    report({ model: { ...(loaded ?? { version: null, features: null, source: null, loadedAt: null }), error: problem } });
    return;
  }
  if (model !== undefined && desired.version === model.version && JSON.stringify(desired.params) === JSON.stringify(model.params)) {
    report({ model: { ...loaded, error: null } });
    return;
  }
  adopt(desired, 'twin');
  saveModel().catch((err) => console.error(`cannot keep the model on disk (${cacheFile}): ${err.message}`));
}

await loadCachedModel();
const client = await ModuleClient.fromEnvironment(Mqtt);
client.on('error', (err) => console.error(`client error: ${err.message}`));
await client.open();
console.log('ml-anomaly connected');

client.on('inputMessage', (inputName, msg) => {
  client.complete(msg, () => undefined);
  if (inputName !== 'readings' || model === undefined) return;
  let reading;
  try {
    reading = JSON.parse(msg.getBytes().toString('utf8'));
  } catch {
    return;
  }
  const result = score(model.params, reading);
  const out = new Message(JSON.stringify({ ...reading, anomalyScore: result.score, anomaly: result.anomaly, feature: result.feature, modelVersion: model.version }));
  out.contentType = 'application/json';
  out.contentEncoding = 'utf-8';
  out.properties.add('modelVersion', String(model.version));
  out.properties.add('anomaly', String(result.anomaly));
  client.sendOutputEvent('scored', out).catch((err) => console.error(`send failed: ${err.message}`));
});

// The twin may not be reachable yet right after a first start, or at all while offline: keep scoring with the cached
// model and ask again.
for (let attempt = 1; twin === undefined; attempt++) {
  try {
    twin = await client.getTwin();
  } catch (err) {
    console.error(`getTwin failed (attempt ${attempt}): ${err.message}`);
    await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
  }
}
twin.on('properties.desired', onDesired);
if (loaded !== undefined) report({ model: { ...loaded, error: null } });

const stop = () => client.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
