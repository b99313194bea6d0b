// What the demo watches and prints: the fleet reaching the base deployment, the anomalies arriving in the cloud,
// and the staged rollout's waves.
import { request } from 'node:http';
import { MODULE_IDS } from './ml-deployment.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Thrown by the waits when the demo is asked to stop (Ctrl-C) meanwhile. */
export class DemoInterrupted extends Error {}

/** Polls `check` (returns a value when done) every 500 ms until `timeoutMs` (then throws `what`) or `signal` aborts. */
export async function until(check, what, timeoutMs, signal) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted === true) throw new DemoInterrupted(`interrupted while waiting for ${what}`);
    let lastError;
    const value = await check().catch((err) => {
      lastError = err;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${lastError === undefined ? '' : ` (last error: ${lastError.message})`}`);
    await sleep(500);
  }
}

/** The model the anomaly module of `deviceId` reports in force (`{ version, source, … }`), or undefined. */
export async function reportedModel(api, deviceId) {
  const twin = await api.twins.get({ deviceId, moduleId: MODULE_IDS.anomaly }).catch(() => undefined);
  return twin?.properties?.reported?.model;
}

/** `POST /modules/{id}/restart` on an edge runtime's management API (what `verge edge restart` sends). */
function restartLocally(socketPath, moduleId) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: `/modules/${encodeURIComponent(moduleId)}/restart` }, (res) => {
      res.resume();
      if ((res.statusCode ?? 0) >= 300) reject(new Error(`restarting ${moduleId} answered ${res.statusCode}`));
      else res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Takes `edge` (a started demo edge) offline: unplugs its link to the cloud, waits for its agent to notice, restarts
 * its anomaly module there (the local management API, as `verge edge restart`) and leaves it offline `offlineMs`,
 * then plugs the link back. Resolves with the model the module reports once it could tell the cloud again (the one it
 * loaded offline, from its disk) and the offline window.
 */
export async function restartOffline(api, edge, { offlineMs, signal, print }) {
  edge.link.unplug();
  await until(async () => (edge.running.agentConnected ? undefined : true), `${edge.deviceId} noticing it is offline`, 30_000, signal);
  const since = Date.now();
  await restartLocally(edge.running.managementSocketPath, MODULE_IDS.anomaly);
  print(`  ${edge.deviceId.padEnd(18)} offline (its MQTT link to the cloud cut); its ${MODULE_IDS.anomaly} module restarted there, scoring for ${offlineMs / 1000} s with no cloud`);
  await until(async () => (Date.now() - since >= offlineMs ? true : undefined), 'the offline window', offlineMs + 5_000, signal);
  const reconnectedAt = Date.now();
  edge.link.plug();
  const model = await until(
    async () => {
      const m = await reportedModel(api, edge.deviceId);
      return m !== undefined && Date.parse(m.loadedAt) >= since ? m : undefined;
    },
    `${MODULE_IDS.anomaly} on ${edge.deviceId} reporting its model after reconnecting`,
    60_000,
    signal,
  );
  return { model, since, reconnectedAt };
}

/** Waits until `configurationId` counts every device as successful and each anomaly module runs `version`. */
export async function waitForFleet(api, configurationId, deviceIds, version, signal, timeoutMs = 90_000) {
  return until(
    async () => {
      const c = await api.configurations.get(configurationId);
      if (c.systemMetrics.results.reportedSuccessfulCount < deviceIds.length) return undefined;
      const models = await Promise.all(deviceIds.map((id) => reportedModel(api, id)));
      return models.every((m) => m?.version === version) ? c.systemMetrics.results : undefined;
    },
    `${deviceIds.length} devices reporting success for ${configurationId} with model v${version}`,
    timeoutMs,
    signal,
  );
}

/** Streams the anomalies reaching the cloud, printing each and counting them by model version. */
export function watchAnomalies(api, print) {
  const abort = new AbortController();
  const byVersion = {};
  const byDevice = {};
  const seen = []; // { deviceId, version, createdAt (ms, the sensor's timeCreated) }
  const done = (async () => {
    for await (const m of api.events(undefined, { signal: abort.signal })) {
      if (m.properties.MessageType !== 'Anomaly') continue;
      const version = m.properties.modelVersion ?? '?';
      byVersion[version] = (byVersion[version] ?? 0) + 1;
      byDevice[m.deviceId] = (byDevice[m.deviceId] ?? 0) + 1;
      seen.push({ deviceId: m.deviceId, version, createdAt: createdAt(m) });
      print(formatAnomaly(m, version));
    }
  })().catch((err) => {
    if (!abort.signal.aborted) print(`  event stream: ${err.message}`);
  });
  return {
    byVersion,
    byDevice,
    /** Anomalies of `deviceId` the sensor read between `from` and `to` (ms). */
    between: (deviceId, from, to) => seen.filter((a) => a.deviceId === deviceId && a.createdAt >= from && a.createdAt <= to),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

function createdAt(m) {
  try {
    return Date.parse(JSON.parse(new TextDecoder().decode(m.body)).timeCreated);
  } catch {
    return Number.NaN;
  }
}

function formatAnomaly(m, version) {
  const time = new Date(m.enqueuedTime).toLocaleTimeString();
  let what;
  try {
    const b = JSON.parse(new TextDecoder().decode(m.body));
    const value = b.feature === 'temperature' ? `${b.temperature} °C` : `${b.vibration} mm/s`;
    what = `${b.feature} ${value} (score ${b.anomalyScore})`;
  } catch {
    what = '(unreadable body)';
  }
  return `  ${time}  anomaly  ${m.deviceId.padEnd(18)} model v${version}  ${what}`;
}

/** One line per change of the rollout: status, current wave, each wave's devices and counts. */
export function formatRollout(r) {
  const waves = r.waves
    .map((w) => `wave ${w.index + 1}: ${w.result}${w.admitted > 0 ? ` [${(w.deviceIds ?? []).join(', ')}] ${w.succeeded}/${w.admitted} ok` : ''}`)
    .join('  |  ');
  return `  rollout ${r.status.padEnd(9)} ${waves}${r.haltReason === undefined ? '' : `  halted: ${r.haltReason}`}`;
}

/** Prints the rollout of `configurationId` on every change until it ends (completed, rolledBack, aborted, halted). */
export async function followRollout(api, configurationId, print, signal, timeoutMs = 120_000) {
  let last = '';
  return until(
    async () => {
      const r = await api.rollouts.get(configurationId, { detail: true });
      const line = formatRollout(r);
      if (line !== last) print(line);
      last = line;
      return ['completed', 'rolledBack', 'aborted', 'halted'].includes(r.status) ? r : undefined;
    },
    `the rollout of ${configurationId} ending`,
    timeoutMs,
    signal,
  );
}
