#!/usr/bin/env node
// `npm run demo`: the seed's ML lifecycle on this machine, in one command, loopback only (scripts/demo/*).
// A cloud and three edge runtimes (data under <repo>/.verge/demo, fresh on every run), three IoT Edge devices
// registered with tags, ONE fleet deployment selected by tag (PUT /configurations): simulated sensor → ML anomaly
// detector → filter → $upstream, the samples/ml-* modules (unmodified Azure SDK) run as Docker modules when an engine
// answers (each runtime its own container prefix; `--modules`), else as process modules. The cloud
// step trains model v1 (a Gaussian z-score detector, seeded data) and ships it through the module twin; then it
// trains v2 and rolls it out as a staged rollout (a second deployment, higher priority, one device per wave), printing
// each wave; then cuts one device's link to the cloud and restarts its anomaly module there, which scores on with the
// model kept on its disk. Then it prints the dashboard URL and how to sign in, and runs until Ctrl-C, which stops the
// edge runtimes (their module processes) and the cloud. `--seconds N`: exit N seconds after that instead (tests, CI).
// Uses the built packages (`npm install` builds them); works from any working directory.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDemoArgs } from './demo/args.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const parsed = parseDemoArgs(process.argv.slice(2));
if (parsed.help !== undefined) {
  console.log(parsed.help);
  process.exit(0);
}
if (parsed.error !== undefined) {
  console.error(`error: ${parsed.error}`);
  process.exit(2);
}
const REQUIRED_BUILDS = ['apps/cloud/dist/index.js', 'apps/edge/dist/index.js', 'packages/api-client/dist/index.js', 'packages/testkit/dist/manifest/index.js', 'packages/platform/dist/index.js'];
for (const built of REQUIRED_BUILDS) {
  if (!existsSync(join(root, built))) {
    console.error(`error: ${built} is missing: build first (npm install, or npm run build)`);
    process.exit(1);
  }
}
const { startCloud } = await import('@verge/cloud');
const edge = await import('@verge/edge');
const apiClient = await import('@verge/api-client');
const { createLogger } = await import('@verge/platform');
const { startDemoCloud, startDemoEdges, DEMO_DEVICES } = await import('./demo/fleet.mjs');
const { baseConfiguration, rolloutConfiguration, MODULE_IDS } = await import('./demo/ml-deployment.mjs');
const { trainModel } = await import('./demo/train-model.mjs');
const { chooseDemoModules, removeDemoContainers } = await import('./demo/docker-modules.mjs');
const { DemoInterrupted, followRollout, reportedModel, restartOffline, waitForFleet, watchAnomalies } = await import('./demo/watch.mjs');

const dataDir = resolve(parsed.dataDir ?? join(root, '.verge/demo'));
const show = (p) => relative(process.cwd(), p) || '.';
const log = createLogger({ service: 'demo', level: process.env.VERGE_DEMO_LOG ?? 'warn' });
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const print = (line = '') => console.log(line);

// Ctrl-C (or SIGTERM) at any point: the step in progress ends (a start completes, a wait gives up), then everything
// started is stopped. A second one exits at once.
const stopping = new AbortController();
const interrupted = new Promise((r) => stopping.signal.addEventListener('abort', r, { once: true }));
const checkStop = () => {
  if (stopping.signal.aborted) throw new DemoInterrupted('interrupted');
};
const onSignal = (signal) => {
  if (stopping.signal.aborted) process.exit(130);
  print(`\n${signal}: stopping (again to exit at once)`);
  stopping.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let cloud;
let fleet;
let anomalies;
let modules;
const stopAll = async () => {
  await anomalies?.stop();
  await fleet?.stop();
  // The edge runtimes leave their containers running when they stop (a restarted runtime adopts them): the demo removes its own.
  if (modules?.kind === 'docker') await removeDemoContainers(modules.docker);
  await cloud?.stop();
};

async function run() {
  print('Verge demo: the ML lifecycle on a fleet of three edge devices (cloud + 3 edge runtimes on this machine, loopback only)\n');
  await freshDataDir(dataDir);
  cloud = await startDemoCloud({ startCloud }, dataDir, log);
  checkStop();
  const api = apiClient.createApiClient({ connectionString: cloud.serviceConnectionString, baseUrl: cloud.urls.http });
  print(`  cloud            ${cloud.urls.https}  (data ${show(cloud.config.dataDir)})`);
  print(`  dashboard        ${cloud.urls.http}/  (watch the fleet and the rollout there; how to sign in is printed below)`);

  const v1 = trainModel(1);
  print(`  model v1         trained in the cloud step on ${v1.samples} generated readings: ${describeModel(v1)}`);

  modules = await chooseDemoModules(parsed.modules, (image) => print(`  modules          a Docker engine answered: building ${image} from this node (once; about 100 MB)…`));
  checkStop();
  const docker = modules.kind === 'docker' ? modules : undefined;
  print(
    docker === undefined
      ? `  modules          process modules (${modules.reason})`
      : `  modules          Docker containers of ${docker.image} (this node; the repository mounted read-only) on ${docker.endpoint}, named <device>-<module>`,
  );
  const moduleFiles = ['ml-sensor', 'ml-anomaly', 'ml-filter'].map((m) => join(root, 'samples', m, 'index.mjs'));
  fleet = await startDemoEdges({ edge, apiClient, cloud, api, root, dataDir, log, moduleFiles, docker });
  checkStop();
  for (const e of fleet.edges) {
    const tags = Object.entries(e.tags).map(([k, v]) => `${k}=${v}`).join(',');
    print(`  edge device      ${e.deviceId.padEnd(18)} tags ${tags.padEnd(30)} data ${show(e.dataDir)}, metrics ${e.running.metricsUrl ?? 'off'}`);
  }
  const reason = fleet.edges.find((e) => e.processUserReason !== undefined)?.processUserReason;
  if (reason !== undefined) print(`  process user     ${reason}`);

  const base = baseConfiguration(root, v1, docker?.image);
  await api.configurations.create(base);
  print(`  deployment       ${base.id} (priority ${base.priority}, target ${base.targetCondition}): sensor → anomaly → filter → $upstream,`);
  print('                   model v1 in the anomaly module\'s twin (desired "model"); one PUT /configurations for the whole fleet\n');

  anomalies = watchAnomalies(api, print);
  const ids = DEMO_DEVICES.map((d) => d.deviceId);
  const metrics = await waitForFleet(api, base.id, ids, 1, stopping.signal);
  print(`\n${metrics.reportedSuccessfulCount} of ${metrics.targetedCount} edge devices report success for ${base.id}; every anomaly module runs model v1 (${elapsed()} after start)\n`);

  await sleepOrInterrupt(8_000);
  checkStop();
  const v2 = trainModel(2);
  print(`\n  model v2         trained on ${v2.samples} readings: ${describeModel(v2)}`);
  const next = rolloutConfiguration(root, v2, undefined, docker?.image);
  await api.configurations.create(next);
  print(`  staged rollout   ${next.id} (priority ${next.priority}): ${next.rollout.waves.length} waves of one device; a wave passes once its device`);
  print(`                   reports success and model v2 in force, after ${next.rollout.waves[0].bakeTimeSeconds} s of bake; automatic rollback on failure\n`);
  const rollout = await followRollout(api, next.id, print, stopping.signal);
  const completed = rollout.status === 'completed';
  print(completed ? `\nRollout of model v2 completed in ${rollout.waves.length} waves (${elapsed()} after start).` : `\nRollout of model v2 ended ${rollout.status}: ${rollout.haltReason ?? ''}`);

  print('\nModel in force on each device (kept on the device\'s disk: the module scores with it offline too):');
  for (const id of ids) {
    const m = await reportedModel(api, id);
    print(`  ${id.padEnd(18)} ${MODULE_IDS.anomaly}: model v${m?.version ?? '?'} (${(m?.features ?? []).join(', ')}), loaded from the ${m?.source ?? '?'}`);
  }
  const probe = fleet.edges[fleet.edges.length - 1];
  print('\nOffline: the model stays on the device.');
  const offline = await restartOffline(api, probe, { offlineMs: 10_000, signal: stopping.signal, print });
  const during = anomalies.between(probe.deviceId, offline.since, offline.reconnectedAt);
  print(`  ${probe.deviceId.padEnd(18)} back online: its ${MODULE_IDS.anomaly} module had loaded model v${offline.model.version} from the ${offline.model.source} while offline;`);
  print(`                     ${during.length} anomalies it found offline (model v${[...new Set(during.map((a) => a.version))].join(', v') || offline.model.version}) were stored on the device and delivered on reconnecting`);
  printSignIn();
  if (parsed.seconds === undefined) {
    print('Running until Ctrl-C; anomalies keep arriving:\n');
    await interrupted;
  } else {
    print(`Running ${parsed.seconds} s more (--seconds):\n`);
    await sleepOrInterrupt(parsed.seconds * 1000);
    checkStop();
  }
  return completed;
}

async function sleepOrInterrupt(ms) {
  let timer;
  await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), interrupted]);
  clearTimeout(timer);
}

function describeModel(m) {
  const p = m.params;
  const fits = p.features.map((f, i) => `${f} ${p.mean[i]} ± ${p.std[i]}`).join(', ');
  return `Gaussian z-score over ${fits}; anomaly above ${p.threshold} σ`;
}

function printSignIn() {
  const dashboard = existsSync(join(root, 'apps/dashboard/dist/index.html'));
  print(`\nDashboard        ${cloud.urls.http}/${dashboard ? '' : '  (not built: npm run build -w @verge/dashboard)'}`);
  print('  sign in with the service connection string (secret, this run only):');
  print(`  ${cloud.serviceConnectionString}`);
  const d = show(cloud.config.dataDir);
  print('Try in another terminal:');
  print(`  npx verge deployment status demo-ml-v2 --data ${d}`);
  print(`  npx verge twin show ${DEMO_DEVICES[0].deviceId} --module ${MODULE_IDS.anomaly} --data ${d}`);
  print(`  npx verge monitor --data ${d}\n`);
}

/** The demo starts from scratch each run: its own cloud and edge-* data directories are removed first. */
async function freshDataDir(dir) {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (name === 'cloud' || name.startsWith('edge-')) await rm(join(dir, name), { recursive: true, force: true });
  }
}

// Exit status: 0 when the rollout completed (and, without --seconds, after Ctrl-C); 1 on failure; 130 when Ctrl-C
// cut a --seconds run short.
let ok = false;
let failure;
try {
  ok = await run();
} catch (err) {
  if (err instanceof DemoInterrupted) ok = parsed.seconds === undefined;
  else failure = err;
}
if (failure !== undefined) console.error(`\ndemo failed: ${failure instanceof Error ? failure.message : String(failure)}`);
print(`\nStopping: the edge runtimes (${modules?.kind === 'docker' ? 'then the demo removes their containers' : 'their module processes get SIGTERM'}), then the cloud.`);
if (anomalies !== undefined) print(`Anomalies that reached the cloud, by model version: ${JSON.stringify(anomalies.byVersion)}; by device: ${JSON.stringify(anomalies.byDevice)}`);
try {
  const stopping = Date.now();
  await stopAll();
  // The stop's own time, then the run's: "Stopped cleanly (52 s)" read as a 52-second shutdown.
  print(`Stopped cleanly in ${((Date.now() - stopping) / 1000).toFixed(1)} s (${elapsed()} after start).`);
} catch (err) {
  console.error(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
  ok = false;
}
process.exit(failure === undefined && ok ? 0 : stopping.signal.aborted && failure === undefined ? 130 : 1);
