#!/usr/bin/env node
// `npm run soak [-- --minutes 60 --rate 500 --sample-sec 60 --warmup-min N --out DIR]`: a long run of the whole
// system under steady load, loopback only, checking that nothing grows without bound.
// - Starts the cloud (`verge cloud start`) and the edge runtime (`verge edge start --runtime process`) as child
//   processes with the built CLI, a memory probe preloaded (scripts/soak/memory-probe.mjs: heap after a full GC over
//   an IPC channel; RSS and open files come from /proc/PID/status and /proc/PID/fd).
// - Load (--rate messages/s in total, QoS 1): half from an edge module (the Azure SDK program
//   scripts/soak/modules/soak-sender.mjs) routed to $upstream, half from a leaf device (the same program as a device
//   client, a child of this script) through the edge hub; a module twin update and a direct method every 30 s.
// - Every --sample-sec: RSS, heap used, open files and store sizes (cloud.db with its WAL; the edge hub store dir)
//   of both processes → DIR/samples.csv (written as it goes) and, at the end, DIR/soak.png (+ .svg).
// - At the end: the senders stop, every acknowledged message must arrive in the cloud (lost = 0; duplicates and
//   out-of-order arrivals are reported), and after the warm-up no series may keep growing (scripts/soak/analysis.mjs).
//   The last line is `soak verdict: PASS|FAIL …`; the exit code is 0 only for PASS.
// Everything it started is stopped on exit, on Ctrl-C and on SIGTERM.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { analyseGrowth } from './soak/analysis.mjs';
import { parseSoakArgs } from './soak/args.mjs';
import { trackDeliveries } from './soak/delivery.mjs';
import { renderPlot } from './soak/plot.mjs';
import { diskBytes, filesBytes, openFiles, rssBytes } from './soak/proc-stats.mjs';
import { killGroup, REPO_ROOT, startVerge } from './soak/verge-process.mjs';
import { edgeDeployment } from '@verge/testkit/manifest';
import { processModule } from './lib/edge-deployment.mjs';
import { demoProcessUser } from './lib/process-user.mjs';

let opts;
try {
  opts = parseSoakArgs(process.argv.slice(2));
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(2);
}
for (const built of ['apps/cli/dist/main.js', 'apps/cloud/dist/index.js', 'apps/edge/dist/index.js', 'packages/api-client/dist/index.js']) {
  if (!existsSync(join(REPO_ROOT, built))) {
    console.error(`error: ${built} is missing: build first (npm install, or npx tsc -b)`);
    process.exit(2);
  }
}
const { createApiClient, deviceConnectionString } = await import('@verge/api-client');

const EDGE_ID = 'soak-edge';
const LEAF_ID = 'soak-leaf';
const MODULE_ID = 'sender';
const SENDER = join(REPO_ROOT, 'scripts/soak/modules/soak-sender.mjs');
const MB = 1024 * 1024;
const started = Date.now();
const say = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
const children = [];
const cloudDir = join(opts.outDir, 'cloud');
const edgeDir = join(opts.outDir, 'edge');
const csvPath = join(opts.outDir, 'samples.csv');
const pngPath = join(opts.outDir, 'soak.png');
// One minute of traffic (at least 10,000 messages): the cloud database reaches its retention early in the run.
const retentionMessages = Math.max(10_000, Math.round(opts.rate * 60));
const cloudDbBound = 48 * MB + retentionMessages * 2048;

let stopping;
const stopAll = () => (stopping ??= (async () => {
  for (const c of [...children].reverse()) await c.stop(30_000).catch(() => undefined);
})());
process.on('exit', () => children.forEach((c) => killGroup(c.child)));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    say(`${signal}: stopping everything the soak started`);
    void stopAll().finally(() => process.exit(130));
  });
}


async function runSoak() {
  await mkdir(opts.outDir, { recursive: true });
  say(`soak: ${opts.durationSec / 60} min at ${opts.rate} msg/s, sample every ${opts.sampleSec} s, warm-up ${opts.warmupSec} s, output ${opts.outDir}`);

  const cloudArgs = ['cloud', 'start', '--data', cloudDir, '--host', '127.0.0.1', '--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0'];
  cloudArgs.push('--hostname', 'localhost', '--retention-messages', String(retentionMessages), '--log-level', 'warn');
  const cloudStart = startVerge('cloud', cloudArgs, { ready: [/plain HTTP: (http:\/\/[^)\s]+)/, /devices MQTT\s+mqtts:\/\/[^:\s]+:(\d+)/, /^\s+CA\s+(\S+)$/m, /^\s+(HostName=\S+)$/m, /service API\s+(https:\/\/\S+)/] });
  children.push(cloudStart.proc);
  const [httpUrl, mqttPort, caPath, serviceCs, httpsUrl] = await cloudStart.started;
  say(`cloud up (pid ${cloudStart.proc.pid}): ${httpsUrl}, devices on port ${mqttPort}`);
  const api = createApiClient({ connectionString: serviceCs, baseUrl: httpUrl });

  const edgeDevice = await api.devices.create({ deviceId: EDGE_ID, capabilities: { iotEdge: true } });
  const leafDevice = await api.devices.create({ deviceId: LEAF_ID, deviceScope: edgeDevice.deviceScope });
  const edgeCs = deviceConnectionString(api.hostName, edgeDevice, { gatewayHostName: `localhost:${mqttPort}` });
  const edgeArgs = ['edge', 'start', '--cloud-ca', caPath, '--cloud-api', httpsUrl, '--data', edgeDir, '--hostname', 'localhost'];
  edgeArgs.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0', '--runtime', 'process', '--log-level', 'warn');
  // Run as root, process modules get their own uids: a clone under a private directory (/root) is out of their reach.
  const { processUser, reason } = await demoProcessUser(await import('@verge/edge'), { root: REPO_ROOT, edgeDataDir: edgeDir, files: [SENDER] });
  if (processUser !== undefined) {
    edgeArgs.push('--process-user', processUser);
    say(`process user: ${reason}`);
  }
  const edgeStart = startVerge('edge', edgeArgs, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs }, ready: [/edge hub\s+mqtts:\/\/[^:\s]+:(\d+)/, /edge CA\s+(\S+)/] });
  children.push(edgeStart.proc);
  const [hubPort, edgeCaPath] = await edgeStart.started;
  say(`edge runtime up (pid ${edgeStart.proc.pid}): hub on port ${hubPort}`);

  const perSender = opts.rate / 2;
  await api.applyConfigurationContent(
    EDGE_ID,
    edgeDeployment({
      modules: { [MODULE_ID]: processModule(SENDER, { SOAK_RATE: perSender }) },
      routes: { senderToCloud: `FROM /messages/modules/${MODULE_ID}/outputs/* INTO $upstream`, leavesToCloud: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream' },
      moduleDesired: { [MODULE_ID]: { soakTick: 0 } },
    }),
  );
  const deliveries = trackDeliveries(api, (err) => say(`event stream failed: ${err.message}`));
  await waitUntil(async () => (await api.twins.get({ deviceId: EDGE_ID, moduleId: '$edgeAgent' })).properties?.reported?.modules?.[MODULE_ID]?.runtimeStatus === 'running', 'the sender module to run', 120_000);
  say(`module ${MODULE_ID} running, sending ${perSender} msg/s`);

  const leafCs = deviceConnectionString(api.hostName, leafDevice, { gatewayHostName: `localhost:${hubPort}` });
  const leaf = fork(SENDER, [], { env: { ...process.env, SOAK_RATE: String(perSender), SOAK_LEAF_CONNECTION_STRING: leafCs, SOAK_CA_FILE: edgeCaPath }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push({ child: leaf, pid: leaf.pid, stop: () => stopForked(leaf) });
  say(`leaf device ${LEAF_ID} sending ${perSender} msg/s through the edge hub`);

  // Sampling, with a twin round trip and a direct method now and then.
  const loadStartedAt = Date.now();
  const samples = [];
  const pokes = { twinOk: 0, twinFailed: 0, methodOk: 0, methodFailed: 0 };
  let tick = 0;
  let nextPokeAt = loadStartedAt + opts.pokeSec * 1000;
  let lastDelivered = 0;
  let lastSampleAt = loadStartedAt;
  await writeFile(csvPath, `${CSV_COLUMNS.join(',')}\n`);
  for (let nextSampleAt = loadStartedAt; ; nextSampleAt += opts.sampleSec * 1000) {
    await sleepUntil(Math.min(nextSampleAt, loadStartedAt + opts.durationSec * 1000));
    if (Date.now() >= nextPokeAt) {
      nextPokeAt += opts.pokeSec * 1000;
      await poke(api, ++tick, pokes);
    }
    for (const c of [cloudStart.proc, edgeStart.proc]) if (c.child.exitCode !== null || c.child.signalCode !== null) throw new Error(`${c.name} exited during the soak; output:\n${c.output()}`);
    const now = Date.now();
    const delivered = deliveries.total();
    const row = await sample(cloudStart.proc, edgeStart.proc, (now - loadStartedAt) / 1000, (delivered - lastDelivered) / Math.max(0.001, (now - lastSampleAt) / 1000));
    lastDelivered = delivered;
    lastSampleAt = now;
    samples.push(row);
    await appendFile(csvPath, `${CSV_COLUMNS.map((c) => (Number.isFinite(row[c]) ? row[c] : '')).join(',')}\n`);
    say(`sample: cloud rss ${mb(row['cloud.rssBytes'])} heap ${mb(row['cloud.heapUsedBytes'])} fds ${row['cloud.openFiles']} db ${mb(row['cloud.storeBytes'])} | edge rss ${mb(row['edge.rssBytes'])} heap ${mb(row['edge.heapUsedBytes'])} fds ${row['edge.openFiles']} store ${mb(row['edge.storeBytes'])} | ${delivered} in the cloud`);
    if (now >= loadStartedAt + opts.durationSec * 1000) break;
  }

  // Stop the senders, then every acknowledged message must arrive.
  const moduleStats = (await api.invokeMethod({ deviceId: EDGE_ID, moduleId: MODULE_ID }, { methodName: 'stop', responseTimeoutInSeconds: 60 })).payload;
  const leafStats = await ask(leaf, 'stop');
  const streams = [
    { key: `${EDGE_ID}/${MODULE_ID}`, stats: moduleStats },
    { key: `${LEAF_ID}/`, stats: leafStats },
  ];
  say(`senders stopped: module ${moduleStats.acked}/${moduleStats.sent} acknowledged, leaf ${leafStats.acked}/${leafStats.sent}; waiting for the cloud`);
  await waitUntil(() => streams.every((s) => deliveries.lostOf(s.key, s.stats.sent, s.stats.failed).length === 0), 'every acknowledged message in the cloud', 120_000).catch(() => undefined);
  await deliveries.stop();
  const report = streams.map((s) => {
    const d = deliveries.sender(s.key);
    const lost = deliveries.lostOf(s.key, s.stats.sent, s.stats.failed);
    return { ...s, lost, distinct: d?.distinct ?? 0, duplicates: d?.duplicates ?? 0, outOfOrder: d?.outOfOrder ?? 0 };
  });
  for (const r of report) {
    say(`delivery ${r.key}: sent ${r.stats.sent}, acknowledged ${r.stats.acked}, arrived ${r.distinct} distinct, lost ${r.lost.length}${r.lost.length ? ` (first: ${r.lost.slice(0, 10).join(', ')})` : ''}, duplicates ${r.duplicates}, out of order ${r.outOfOrder}, ${(r.stats.acked / opts.durationSec).toFixed(0)} msg/s`);
  }
  say(`twin round trips ${pokes.twinOk} ok / ${pokes.twinFailed} failed, direct methods ${pokes.methodOk} ok / ${pokes.methodFailed} failed`);

  await stopAll();
  const analysis = analyseGrowth(samples, {
    warmupSec: opts.warmupSec,
    processes: ['cloud', 'edge'],
    extraChecks: [
      ...report.map((r) => ({ name: `delivery ${r.key}`, failed: r.lost.length > 0, text: `delivery ${r.key}: ${r.lost.length} of ${r.stats.acked} acknowledged messages lost` })),
      ...report.map((r) => ({ name: `load ${r.key}`, failed: r.stats.acked === 0, text: `load ${r.key}: ${r.stats.acked} messages acknowledged` })),
      storeBoundCheck(samples),
      { name: 'control', failed: pokes.methodFailed + pokes.twinFailed > Math.max(1, tick / 10), text: `control: ${pokes.twinFailed} twin round trips and ${pokes.methodFailed} direct methods failed of ${tick}` },
    ],
  });
  renderPlot(samples, { title: `Verge soak: ${opts.durationSec / 60} min at ${opts.rate} msg/s (dashed: end of warm-up)`, pngPath, warmupSec: opts.warmupSec });
  await writeFile(join(opts.outDir, 'summary.json'), `${JSON.stringify({ opts, retentionMessages, cloudDbBound, pokes, delivery: report.map((r) => ({ ...r, lost: r.lost.length, lostFirst: r.lost.slice(0, 100) })), analysis }, null, 2)}\n`);
  for (const c of analysis.checks) say(`${c.failed ? 'FAIL' : 'ok  '} ${c.text}`);
  say(`samples ${csvPath}, plot ${pngPath}`);
  if (analysis.inconclusive !== undefined) {
    console.log(`soak verdict: FAIL (inconclusive: ${analysis.inconclusive})`);
    return 1;
  }
  if (analysis.failures.length > 0) {
    console.log(`soak verdict: FAIL (${analysis.failures.map((f) => f.text).join('; ')})`);
    return 1;
  }
  const sent = report.reduce((n, r) => n + r.stats.acked, 0);
  console.log(`soak verdict: PASS (${sent} messages acknowledged and delivered, 0 lost, nothing grows after the ${opts.warmupSec} s warm-up)`);
  return 0;
}

const CSV_COLUMNS = ['tSec', 'deliveredPerSec', ...['cloud', 'edge'].flatMap((p) => ['rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'openFiles', 'storeBytes'].map((s) => `${p}.${s}`))];

async function sample(cloud, edge, tSec, deliveredPerSec) {
  const row = { tSec: Math.round(tSec * 10) / 10, deliveredPerSec: Math.round(deliveredPerSec) };
  const stores = { cloud: () => filesBytes(['', '-wal', '-shm'].map((s) => join(cloudDir, `cloud.db${s}`))), edge: () => diskBytes(join(edgeDir, 'hub')) };
  for (const [name, proc] of [['cloud', cloud], ['edge', edge]]) {
    const heap = await proc.sampleMemory();
    row[`${name}.rssBytes`] = rssBytes(proc.pid);
    row[`${name}.heapUsedBytes`] = heap?.heapUsed;
    row[`${name}.heapTotalBytes`] = heap?.heapTotal;
    row[`${name}.openFiles`] = openFiles(proc.pid);
    row[`${name}.storeBytes`] = stores[name]();
  }
  return row;
}

function storeBoundCheck(samples) {
  const max = Math.max(0, ...samples.map((s) => s['cloud.storeBytes'] ?? 0));
  return { name: 'cloud.db bound', failed: max > cloudDbBound, text: `cloud.db at most ${mb(max)} (bound ${mb(cloudDbBound)} for a retention of ${retentionMessages} messages)` };
}

async function poke(api, tick, pokes) {
  try {
    await api.twins.update({ deviceId: EDGE_ID, moduleId: MODULE_ID }, { properties: { desired: { soakTick: tick } } });
    await waitUntil(async () => (await api.twins.get({ deviceId: EDGE_ID, moduleId: MODULE_ID })).properties?.reported?.seenTick === tick, `reported seenTick ${tick}`, 20_000);
    pokes.twinOk += 1;
  } catch (err) {
    pokes.twinFailed += 1;
    say(`twin round trip ${tick} failed: ${err.message}`);
  }
  try {
    const answer = await api.invokeMethod({ deviceId: EDGE_ID, moduleId: MODULE_ID }, { methodName: 'stats', responseTimeoutInSeconds: 20 });
    if (answer.status !== 200) throw new Error(`status ${answer.status}`);
    pokes.methodOk += 1;
  } catch (err) {
    pokes.methodFailed += 1;
    say(`direct method ${tick} failed: ${err.message}`);
  }
}

function ask(child, type, timeoutMs = 60_000) {
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(() => reject(new Error(`the leaf sender did not answer "${type}" within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (m) => {
      if (m?.type !== 'stats') return;
      clearTimeout(timer);
      resolveAnswer(m.stats);
    });
    child.send({ type, id: 1 });
  });
}

async function stopForked(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function sleepUntil(atMs) {
  return new Promise((r) => setTimeout(r, Math.max(0, atMs - Date.now())));
}

function mb(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / MB).toFixed(1)} MB` : '?';
}

try {
  process.exitCode = await runSoak();
} catch (err) {
  console.error(`soak failed: ${err instanceof Error ? err.message : String(err)}`);
  console.log(`soak verdict: FAIL (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  process.exitCode = 1;
}
await stopAll();
// The event stream and IPC channels of a failed run may still be open: the verdict is final, leave now.
process.exit(process.exitCode);
