// Report helpers of bench/edge-hub.mjs: the machine, Mosquitto's CPU time and version, and the printed table.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { MOSQUITTO_BIN } from './mosquitto-tls.mjs';

/** nproc, CPU model, Node version and platform. */
export function machine() {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { nproc: cpus().length, cpu: model.trim(), node: process.version, platform: `${process.platform}-${process.arch}` };
}

export async function mosquittoVersion() {
  try {
    const { stdout, stderr } = await promisify(execFile)(MOSQUITTO_BIN, ['-h']).catch((e) => e);
    return `${stdout ?? ''}${stderr ?? ''}`.match(/mosquitto version (\S+)/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function f(n, digits = 0) {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** Prints the result as a table (or JSON). */
export function print(r, { json, drainSec }) {
  if (json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const m = r.machine;
  const row = (label, verge, mosq, ratio) => console.log(`${label.padEnd(50)} ${verge.padEnd(30)} ${mosq.padEnd(26)} ${ratio}`);
  const lat = (p) => `${f(p.p50, 1)} / ${f(p.p99, 1)} ms`;
  const rate = (x) => f(x.achievedPerSec);
  console.log(`\nEdge hub benchmark: ${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.platform}; loopback; QoS 1, 256 B; ${r.settings.senders} senders × window ${r.settings.window}\n`);
  row('', 'Verge edge hub (TLS, persisted)', `Mosquitto ${r.mosquittoVersion} (TLS)`, 'Verge/Mosquitto');
  row('module→module routed, delivered msgs/s', `${f(r.moduleToModule.deliveredPerSec)} (acked ${f(r.moduleToModule.ackedPerSec)})`, `${f(r.mosquittoPubSub.deliveredPerSec)} pub→sub`, f(r.ratios.moduleToModuleVsMosquittoPubSub, 2));
  row('module→$upstream, acked (stored) msgs/s', `${f(r.moduleToUpstream.ackedPerSec)}`, `${f(r.mosquittoPublishOnly.ackedPerSec)} publish-only`, f(r.ratios.upstreamAckedVsMosquittoPublishOnly, 2));
  row('module→$upstream vs a bridged Mosquitto pair, acked', `${f(r.moduleToUpstream.ackedPerSec)}`, `${f(r.mosquittoBridge.ackedPerSec)} edge→bridge→cloud`, f(r.ratios.upstreamAckedVsMosquittoBridge, 2));
  row('  same, arrived in the cloud while sending', `${f(r.moduleToUpstream.deliveredPerSec)}`, `${f(r.mosquittoBridge.cloudReceivedPerSec)} at the cloud Mosquitto`, f(r.ratios.upstreamCloudVsMosquittoBridge, 2));
  row('module→$upstream, delivered to the cloud msgs/s', `${f(r.moduleToUpstream.endToEndPerSec)} end to end`, `${f(r.mosquittoPubSub.deliveredPerSec)} pub→sub`, f(r.ratios.upstreamEndToEndVsMosquittoPubSub, 2));
  row('broker CPU during module→module / pub→sub', `${f(r.moduleToModule.runtimeCpuPercent)}% of a core`, `${f(r.mosquittoPubSub.mosquittoCpuPercent)}% of a core`, '');
  row(`latency @${r.settings.latency.ratePerSec}/s module→module p50/p99`, lat(r.latencyModuleToModule.delivery), lat(r.latencyMosquitto.delivery), f(r.latencyModuleToModule.delivery.p99 / r.latencyMosquitto.delivery.p99, 1));
  row(`latency @${r.settings.latency.ratePerSec}/s PUBACK (module output) p50/p99`, lat(r.latencyModuleToModule.puback), lat(r.latencyMosquitto.puback), f(r.latencyModuleToModule.puback.p99 / r.latencyMosquitto.puback.p99, 1));
  row(`latency @${r.settings.latency.ratePerSec}/s module→cloud p50/p99`, `${lat(r.latencyModuleToUpstream.cloudArrival)} (PUBACK ${lat(r.latencyModuleToUpstream.puback)})`, '', '');
  console.log(`(paced senders achieved ${rate(r.latencyModuleToModule)}, ${rate(r.latencyModuleToUpstream)} and ${rate(r.latencyMosquitto)} msg/s)`);
  row('edge runtime RSS idle / under load', `${f(r.rssIdleMB)} MB / ${f(r.rssUnderLoadMB)} MB`, '', '');
  console.log(
    `\n$upstream: the cloud received ${f(r.moduleToUpstream.deliveredPerSec)} msgs/s while the senders ran, then the backlog drained at ${f(r.moduleToUpstream.drainPerSec)} msgs/s ` +
      `(${r.moduleToUpstream.drained ? `empty after ${f(r.moduleToUpstream.drainSec, 1)} s` : `not empty after ${drainSec} s`}).`,
  );
  if (r.restart !== undefined) {
    const x = r.restart;
    console.log(
      `restart with ${x.storedForSink} messages stored for the sink: ready after ${f(x.readyMs)} ms, first connection accepted after ${f(x.acceptMs)} ms; ` +
        `drained ${x.drained} at ${f(x.drainPerSec)} msgs/s (${f(x.drainVsOnline, 2)}× the online rate)`,
    );
  }
  for (const n of r.notes) console.log(`note: ${n}`);
}
