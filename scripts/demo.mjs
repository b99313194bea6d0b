#!/usr/bin/env node
// `npm run demo`: the whole Verge system on this machine, in one command, loopback only.
// Starts the cloud (data under ./.verge/demo/cloud), registers an IoT Edge device, starts the edge runtime
// (./.verge/demo/edge) with two process modules written with the unmodified Azure IoT SDK (a simulated
// temperature sensor and a filter), applies the deployment through the service API, and prints the telemetry
// arriving in the cloud live for ~20 s; then stops cleanly. `--keep` keeps everything running until Ctrl-C, so the
// `verge` commands printed at the end can be tried against it. `--seconds N` changes the live window.
// Uses the built packages (`npm install` builds them).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoProcessUser } from './lib/process-user.mjs';
import { edgeDeployment } from '@verge/testkit/manifest';
import { processModule } from './lib/edge-deployment.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const built of ['apps/cloud/dist/index.js', 'apps/edge/dist/index.js', 'packages/api-client/dist/index.js']) {
  if (!existsSync(join(root, built))) {
    console.error(`error: ${built} is missing: build first (npm install, or npx tsc -b)`);
    process.exit(1);
  }
}
const { startCloud } = await import('@verge/cloud');
const edgeModule = await import('@verge/edge');
const { startEdge } = edgeModule;
const { createApiClient, deviceConnectionString } = await import('@verge/api-client');
const { createServiceSasToken } = await import('@verge/core');
const { createLogger } = await import('@verge/platform');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const secondsArg = args.indexOf('--seconds');
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 20;
if (!Number.isFinite(seconds) || seconds <= 0 || args.some((a, i) => a.startsWith('--') && !['--keep', '--seconds'].includes(a) && args[i - 1] !== '--seconds')) {
  console.error('usage: npm run demo [-- --keep] [-- --seconds N]');
  process.exit(2);
}

const EDGE_ID = 'demo-edge';
const MODULE_FILES = ['temp-sensor.mjs', 'temp-filter.mjs'];
const dataDir = resolve('.verge/demo');
const show = (p) => relative(process.cwd(), p) || '.';
const log = createLogger({ service: 'demo', level: process.env.VERGE_DEMO_LOG ?? 'warn' });
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

console.log('Verge demo: cloud + edge runtime + two Azure SDK modules on this machine (loopback only)\n');
await mkdir(dataDir, { recursive: true });
const cloud = await startCloud(
  { dataDir: join(dataDir, 'cloud'), host: '127.0.0.1', httpPort: 0, httpsPort: 0, mqttPort: 0, hostname: 'localhost', logLevel: 'warn' },
  { log: log.child({ service: 'cloud' }) },
);
let edge;
const stopAll = async () => {
  await edge?.stop();
  await cloud.stop();
};

try {
  const api = createApiClient({ connectionString: cloud.serviceConnectionString, baseUrl: cloud.urls.http });
  console.log(`  cloud          ${cloud.urls.https}  (data ${show(cloud.config.dataDir)})`);

  const device = await api.devices.get(EDGE_ID).catch(() => api.devices.create({ deviceId: EDGE_ID, capabilities: { iotEdge: true } }));
  const connectionString = `${deviceConnectionString(api.hostName, device)};GatewayHostName=localhost:${cloud.ports.mqtt}`;
  const modulesDir = join(root, 'scripts/demo/modules');
  const edgeDataDir = join(dataDir, 'edge');
  const { processUser, reason } = await demoProcessUser(edgeModule, { root, edgeDataDir, files: MODULE_FILES.map((f) => join(modulesDir, f)) });
  if (reason !== undefined) console.log(`  process user   ${reason}`);

  edge = await startEdge(
    {
      connectionString,
      cloudCaFile: cloud.caPath,
      cloudApiUrl: cloud.urls.https,
      dataDir: edgeDataDir,
      hostname: 'localhost',
      bindAddress: '127.0.0.1',
      mqttPort: 0,
      httpsPort: 0,
      runtime: 'process',
      ...(processUser === undefined ? {} : { processUser }),
      stopTimeoutMs: 5_000,
      logLevel: 'warn',
    },
    { log: log.child({ service: 'edge' }) },
  );
  console.log(`  edge device    ${EDGE_ID}: edge hub mqtts://localhost:${edge.ports.mqtt}, runtime data ${show(edge.config.dataDir)}`);

  const applied = await applyConfigurationContent(cloud, EDGE_ID, demoDeployment());
  if (applied.status !== 204) throw new Error(`the cloud refused the deployment (${applied.status}): ${applied.body}`);
  console.log('  deployment     tempSensor → filter (alerts above 25 °C) → cloud, and every reading → cloud');
  console.log(`                 applied with POST /devices/${EDGE_ID}/applyConfigurationContent\n`);

  const abort = new AbortController();
  let count = 0;
  let alerts = 0;
  const streaming = (async () => {
    for await (const m of api.events({ deviceId: EDGE_ID }, { signal: abort.signal })) {
      count += 1;
      if (m.properties.MessageType === 'Alert') alerts += 1;
      console.log(formatMessage(m));
    }
  })().catch((err) => {
    if (!abort.signal.aborted) console.error(`event stream: ${err.message}`);
  });

  await waitForModules(api);
  console.log(`Telemetry arriving in the cloud (GET /events), live${keep ? ' until Ctrl-C' : ` for ${seconds} s`}:\n`);
  if (keep) {
    printTryThis(true);
    await new Promise((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
  } else {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
  abort.abort();
  await streaming;
  console.log(`\n${count} messages reached the cloud (${alerts} alerts from the filter) in ${elapsed()}.`);
  if (!keep) printTryThis(false);
  console.log('\nStopping: edge runtime (process modules get SIGTERM), then the cloud.');
  await stopAll();
  console.log('Stopped cleanly.');
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll().catch(() => undefined);
  process.exit(1);
}

function demoDeployment() {
  const modulesDir = join(root, 'scripts/demo/modules');
  return edgeDeployment({
    modules: {
      tempSensor: processModule(join(modulesDir, 'temp-sensor.mjs'), { SEND_INTERVAL_MS: '1000' }),
      filter: processModule(join(modulesDir, 'temp-filter.mjs')),
    },
    routes: {
      sensorToFilter: 'FROM /messages/modules/tempSensor/outputs/temperatureOutput INTO BrokeredEndpoint("/modules/filter/inputs/input1")',
      sensorToCloud: 'FROM /messages/modules/tempSensor/outputs/* INTO $upstream',
      filterToCloud: 'FROM /messages/modules/filter/outputs/output1 INTO $upstream',
    },
    moduleDesired: { filter: { TemperatureThreshold: 25 } },
  });
}

async function applyConfigurationContent(running, deviceId, content) {
  const cs = Object.fromEntries(running.serviceConnectionString.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const token = createServiceSasToken({ hostName: cs.HostName, policyName: cs.SharedAccessKeyName, key: cs.SharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + 600 });
  const res = await fetch(`${running.urls.http}/devices/${encodeURIComponent(deviceId)}/applyConfigurationContent?api-version=2021-04-12`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(content),
  });
  return { status: res.status, body: await res.text() };
}

async function waitForModules(api) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const twin = await api.twins.get({ deviceId: EDGE_ID, moduleId: '$edgeAgent' }).catch(() => undefined);
    const modules = twin?.properties?.reported?.modules ?? {};
    const running = ['tempSensor', 'filter'].filter((id) => modules[id]?.runtimeStatus === 'running');
    if (running.length === 2) {
      console.log(`$edgeAgent reports tempSensor and filter running (${elapsed()} after start).\n`);
      return;
    }
    if (Date.now() > deadline) throw new Error('the modules did not report running within 60 s');
    await new Promise((r) => setTimeout(r, 300));
  }
}

function formatMessage(m) {
  const time = new Date(m.enqueuedTime).toLocaleTimeString();
  let text = new TextDecoder().decode(m.body);
  try {
    const b = JSON.parse(text);
    if (b?.machine !== undefined) text = `machine ${b.machine.temperature.toFixed(2)} °C  ${b.machine.pressure} bar  ambient ${b.ambient.temperature} °C ${b.ambient.humidity}%`;
  } catch {
    // not JSON: print as is
  }
  const from = `${m.deviceId}/${m.moduleId ?? ''}`.padEnd(22);
  return `  ${time}  ${from} ${text}${m.properties.MessageType === 'Alert' ? '   ALERT' : ''}`;
}

function printTryThis(live) {
  const d = show(join(dataDir, 'cloud'));
  const e = show(join(dataDir, 'edge'));
  console.log(live ? '\nTry these in another terminal while it runs:' : '\nRun `npm run demo -- --keep` to keep it running, then try in another terminal:');
  console.log(`  npx verge monitor --data ${d} --device ${EDGE_ID}`);
  console.log(`  npx verge twin show ${EDGE_ID} --module '$edgeAgent' --data ${d}`);
  console.log(`  npx verge twin update ${EDGE_ID} --module filter --desired '{"TemperatureThreshold": 28}' --data ${d}`);
  console.log(`  npx verge method invoke ${EDGE_ID} GetThreshold --module filter --data ${d}`);
  console.log(`  npx verge edge list --data ${e}`);
  console.log(`  npx verge edge logs tempSensor --tail 5 --data ${e}`);
  if (live) console.log('');
}
