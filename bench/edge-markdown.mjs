// The edge-hub section of BENCHMARKS.md (bench/edge-hub.mjs): every figure of issue 8 item 2 next to Mosquitto's in
// the same run, with the ratio, the target and whether it is met. Written after each run (unless --no-write).
import { writeBenchmarkSection } from './benchmarks-file.mjs';
import { f } from './edge-report.mjs';

/** The rows: [figure, Verge, Mosquitto, ratio, target, met]. */
export function benchmarkRows(r) {
  const lat = (p) => `p50 ${f(p.p50, 2)} / p99 ${f(p.p99, 2)} ms`;
  const ok = (met) => (met ? 'pass' : '**FAIL**');
  const m2m = r.ratios.moduleToModuleVsMosquittoPubSub;
  const up = r.ratios.upstreamAckedVsMosquittoPublishOnly;
  const upBridge = r.ratios.upstreamAckedVsMosquittoBridge;
  const rows = [
    ['routed module→module, delivered msgs/s', f(r.moduleToModule.deliveredPerSec), `${f(r.mosquittoPubSub.deliveredPerSec)} (pub→sub)`, f(m2m, 2), '≥ 1.0×', ok(m2m >= 1)],
    ['module→`$upstream`, accepted (stored, PUBACKed) msgs/s', f(r.moduleToUpstream.ackedPerSec), `${f(r.mosquittoPublishOnly.ackedPerSec)} (publish, PUBACKed)`, f(up, 2), '≥ 1.0×', ok(up >= 1)],
    [
      'module→`$upstream`, accepted msgs/s, against an edge broker forwarding to a cloud broker',
      f(r.moduleToUpstream.ackedPerSec),
      `${f(r.mosquittoBridge.ackedPerSec)} (edge Mosquitto bridged QoS 1/TLS to a cloud Mosquitto, PUBACKed)`,
      f(upBridge, 2),
      '≥ 1.0×',
      ok(upBridge >= 1),
    ],
    [
      `routed hop latency at ${r.settings.latency.ratePerSec} msgs/s`,
      lat(r.latencyModuleToModule.delivery),
      lat(r.latencyMosquitto.delivery),
      f(r.latencyModuleToModule.delivery.p99 / r.latencyMosquitto.delivery.p99, 2),
      'p99 ≤ 2 ms',
      ok(r.latencyModuleToModule.delivery.p99 <= 2),
    ],
    ['runtime RSS idle (agent + hub + workload API, clients connected)', `${f(r.rssIdleMB, 1)} MB`, `${f(r.mosquittoRssMB, 1)} MB (at end)`, '', '≤ 60 MB', ok(r.rssIdleMB <= 60)],
    ['runtime RSS under load (peak)', `${f(r.rssUnderLoadMB, 1)} MB`, '', '', '≤ 150 MB', ok(r.rssUnderLoadMB <= 150)],
  ];
  if (r.restart !== undefined) {
    rows.push(
      [`restart with ${r.restart.storedForSink} stored: fork → first CONNACK`, `${f(r.restart.acceptMs)} ms`, '', '', '≤ 1000 ms', ok(r.restart.acceptMs <= 1000)],
      [
        'restart: drain rate to the returning module',
        `${f(r.restart.drainPerSec)} msgs/s${r.restart.complete ? '' : ` (only ${r.restart.drained} drained in ${f(r.restart.drainSec)} s)`}`,
        `online rate ${f(r.moduleToModule.deliveredPerSec)}`,
        f(r.restart.drainVsOnline, 2),
        '≥ 0.5× online',
        ok(r.restart.drainVsOnline >= 0.5 && r.restart.complete),
      ],
    );
  }
  return rows;
}

/** Writes the edge-hub section of BENCHMARKS.md; returns the file's path. */
export async function writeBenchmarksMd(r, { command, startedAt }) {
  const m = r.machine;
  const table = benchmarkRows(r).map((row) => `| ${row.join(' | ')} |`);
  const load = (l) => (l ? l.map((x) => x.toFixed(2)).join(' / ') : 'n/a');
  const text = [
    '## Edge hub (issue 8)',
    '',
    'By `bench/edge-hub.mjs`. Issue 8, item 2: the edge hub side by side with Mosquitto 2 on TLS in the same run, driven by',
    'the same client code (mqtt.js), QoS 1, 256-byte payloads, loopback.',
    '',
    `- command: \`${command}\``,
    `- date: ${startedAt.toISOString()}`,
    `- machine: ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.platform}; load average (1/5/15 min) at start ${load(r.loadAverageAtStart)}, at end ${load(r.loadAverageAtEnd)}`,
    `- Verge: edge runtime (agent, hub, workload API) in one process, MQTT over TLS, SAS-authenticated module identities, every message persisted in SQLite (WAL, group commit) before its PUBACK`,
    `- Mosquitto ${r.mosquittoVersion}: a private instance started for the run, TLS listener with a certificate made for the run, anonymous, no persistence, default limits`,
    `- client sockets: ${r.settings.clientNoDelay ? 'TCP_NODELAY (--nodelay)' : 'Nagle on, as mqtt.js ships (the hub\'s own sockets always use TCP_NODELAY)'}`,
    `- load: ${r.settings.senders} senders × ${r.settings.window} publishes in flight each (throughput, ${r.settings.durationMs / 1000} s, first ${r.settings.warmupMs / 1000} s not counted); one paced sender at ${r.settings.latency.ratePerSec} msgs/s for ${r.settings.latency.durationMs / 1000} s (latency, first second not counted)`,
    '',
    '| figure | Verge | Mosquitto | Verge / Mosquitto | target | |',
    '|---|---|---|---|---|---|',
    ...table,
    '',
    'Other figures of the same run:',
    '',
    `- module→\`$upstream\`: the cloud received ${f(r.moduleToUpstream.deliveredPerSec)} msgs/s while the senders ran and ${f(r.moduleToUpstream.endToEndPerSec)} msgs/s end to end including the drain (${r.moduleToUpstream.drained ? `empty after ${f(r.moduleToUpstream.drainSec, 1)} s` : 'not drained within the bound'}); PUBACK latency at ${r.settings.latency.ratePerSec} msgs/s p50 ${f(r.latencyModuleToUpstream.puback.p50, 2)} / p99 ${f(r.latencyModuleToUpstream.puback.p99, 2)} ms, cloud arrival p50 ${f(r.latencyModuleToUpstream.cloudArrival.p50, 1)} / p99 ${f(r.latencyModuleToUpstream.cloudArrival.p99, 1)} ms`,
    `- Mosquitto bridged pair (module→\`$upstream\` peer): the cloud Mosquitto received ${f(r.mosquittoBridge.cloudReceivedPerSec)} msgs/s while the senders ran (Verge's cloud ${f(r.moduleToUpstream.deliveredPerSec)}: ${f(r.ratios.upstreamCloudVsMosquittoBridge, 2)}×) and ${f(r.mosquittoBridge.endToEndPerSec)} msgs/s end to end including the drain (${r.mosquittoBridge.drained ? `every accepted message arrived, ${f(r.mosquittoBridge.drainSec, 1)} s after the senders stopped` : `${r.mosquittoBridge.forwarded} of ${r.mosquittoBridge.accepted} arrived within the bound`}); CPU edge Mosquitto ${f(r.mosquittoBridge.edgeCpuPercent)}% + cloud Mosquitto ${f(r.mosquittoBridge.cloudCpuPercent)}% of a core (Verge edge runtime ${f(r.moduleToUpstream.runtimeCpuPercent)}%)`,
    `- module→module PUBACK (stored) ${f(r.moduleToModule.ackedPerSec)} msgs/s while delivering ${f(r.moduleToModule.deliveredPerSec)}; edge runtime CPU ${f(r.moduleToModule.runtimeCpuPercent)}% of a core, Mosquitto ${f(r.mosquittoPubSub.mosquittoCpuPercent)}% during pub→sub`,
    ...(r.restart === undefined ? [] : [`- restart: the new process reported ready after ${f(r.restart.readyMs)} ms`]),
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
  return writeBenchmarkSection('edge-hub', text);
}
