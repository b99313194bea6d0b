// Load helpers of bench/edge-hub.mjs: module clients of the edge hub (mqtt.js over TLS, SAS tokens signed with the
// module keys, as ModuleClient does), Mosquitto clients, a windowed QoS 1 throughput pump, a paced latency pump,
// and percentiles. The SAME client code drives the edge hub and Mosquitto, so the figures compare brokers, not tools.
import mqtt from 'mqtt';
import { createSasToken, moduleResource } from '../packages/core/dist/index.js';

export const HUB_HOST = 'localhost';
export const PAYLOAD_BYTES = 256;

/**
 * Connects as module `moduleId` of `edgeId` to the edge hub (TLS, edge CA trusted, clean=false like the SDK).
 * `onMessage` listens from the start: with a kept session the hub may deliver right behind the CONNACK.
 */
export function connectModule({ port, caPem, edgeId, moduleId, key, onMessage }) {
  const password = createSasToken({ resource: moduleResource(HUB_HOST, edgeId, moduleId), key, expirySec: Math.floor(Date.now() / 1000) + 7200 });
  return connect(`mqtts://${HUB_HOST}:${port}`, {
    ca: caPem,
    clientId: `${edgeId}/${moduleId}`,
    username: `${HUB_HOST}/${edgeId}/${moduleId}/?api-version=2021-04-12`,
    password,
  }, onMessage);
}

/** Connects to the run's private Mosquitto (bench/mosquitto-tls.mjs: TLS, anonymous), its CA trusted like the hub's. */
export function connectMosquitto(clientId, { port, caPem }) {
  // clean=true: the broker keeps no session (it runs without persistence anyway).
  return connect(`mqtts://${HUB_HOST}:${port}`, { clientId, clean: true, ca: caPem });
}

function connect(url, options, onMessage) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, clean: false, keepalive: 180, reconnectPeriod: 0, connectTimeout: 30_000, ...options });
    if (onMessage !== undefined) client.on('message', onMessage);
    client.once('connect', () => {
      // --nodelay (VERGE_BENCH_NODELAY=1): TCP_NODELAY on every client socket, hub's and Mosquitto's alike.
      if (process.env.VERGE_BENCH_NODELAY === '1') client.stream?.setNoDelay?.(true);
      resolve(client);
    });
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** Subscribes at QoS 1 and resolves once SUBACKed. */
export function subscribe(client, filter) {
  return new Promise((resolve, reject) => client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

/** A 256-byte payload whose first 8 bytes carry the send time (ms, float64) for latency. */
export function stampedPayload() {
  const buf = Buffer.alloc(PAYLOAD_BYTES, 0x61);
  buf.writeDoubleLE(performance.timeOrigin + performance.now(), 0);
  return buf;
}

/** The send time written by `stampedPayload`. */
export function sentAt(payload) {
  return payload.length >= 8 ? payload.readDoubleLE(0) : NaN;
}

export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/**
 * QoS 1 throughput: each `sender` ({ client, topic }) keeps `window` publishes in flight for `durationMs`. Counts
 * PUBACKs inside the measured window (after `warmupMs`) and, through `delivered()`, what the receiving side counted
 * over the same window. Returns msgs/s of both.
 */
export async function pumpThroughput(senders, { window, durationMs, warmupMs, delivered = () => 0, onSample }) {
  const start = Date.now();
  const end = start + durationMs;
  let acked = 0;
  let errors = 0;
  // `delivered` may be async (a REST call to the cloud); both readings are taken by timers at the window's edges
  // and awaited before the result is computed (the senders may finish just before the end timer fires).
  const reading = (ms) => new Promise((resolve) => setTimeout(() => resolve(delivered()), ms));
  const atWarmup = reading(warmupMs);
  const atEnd = reading(durationMs);
  const sampler = setInterval(() => onSample?.(), 500);
  let giveUp;
  const hardStop = new Promise((resolve) => (giveUp = setTimeout(resolve, durationMs + 15_000)));
  await Promise.race([
    hardStop,
    Promise.all(
      senders.map(
        ({ client, topic }) =>
          new Promise((resolve) => {
            let inFlight = 0;
            const send = () => {
              while (inFlight < window && Date.now() < end) {
                inFlight += 1;
                client.publish(topic, stampedPayload(), { qos: 1 }, (err) => {
                  inFlight -= 1;
                  const t = Date.now();
                  if (err) errors += 1;
                  else if (t >= start + warmupMs && t <= end) acked += 1;
                  if (t < end) send();
                  else if (inFlight === 0) resolve();
                });
              }
              if (inFlight === 0) resolve();
            };
            send();
          }),
      ),
    ),
  ]);
  clearTimeout(giveUp);
  clearInterval(sampler);
  const seconds = (durationMs - warmupMs) / 1000;
  const deliveredInWindow = (await atEnd) - (await atWarmup);
  return { ackedPerSec: acked / seconds, deliveredPerSec: deliveredInWindow / seconds, errors };
}

/** Publishes `count` messages in total over `senders` ({ client, topic }), `window` in flight per sender; resolves when all are acknowledged. */
export async function pumpCount(senders, { window, count }) {
  let left = count;
  let errors = 0;
  await Promise.all(
    senders.map(
      ({ client, topic }) =>
        new Promise((resolve) => {
          let inFlight = 0;
          const send = () => {
            while (inFlight < window && left > 0) {
              left -= 1;
              inFlight += 1;
              client.publish(topic, stampedPayload(), { qos: 1 }, (err) => {
                inFlight -= 1;
                if (err) errors += 1;
                send();
              });
            }
            if (inFlight === 0) resolve();
          };
          send();
        }),
    ),
  );
  return { errors };
}

/**
 * Publishes at `ratePerSec` (batches every 10 ms) for `durationMs` and records the PUBACK latency of each message;
 * the receiving side records delivery latency itself (from the stamped payload). Samples of the first second are
 * dropped (connection warm-up).
 */
export async function pumpPaced({ client, topic }, { ratePerSec, durationMs, maxInFlight = 2000 }) {
  const perTick = ratePerSec / 100;
  const start = Date.now();
  const ackLatencies = [];
  let inFlight = 0;
  let skipped = 0;
  let sent = 0;
  let carry = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (Date.now() - start >= durationMs) {
        clearInterval(tick);
        const wait = setInterval(() => {
          if (inFlight === 0 || Date.now() - start > durationMs + 10_000) {
            clearInterval(wait);
            resolve();
          }
        }, 20);
        return;
      }
      carry += perTick;
      for (; carry >= 1; carry -= 1) {
        if (inFlight >= maxInFlight) {
          skipped += 1;
          continue;
        }
        inFlight += 1;
        sent += 1;
        const payload = stampedPayload();
        const t0 = sentAt(payload);
        client.publish(topic, payload, { qos: 1 }, (err) => {
          inFlight -= 1;
          if (!err && t0 - performance.timeOrigin >= 0 && Date.now() - start > 1000) ackLatencies.push(nowMs() - t0);
        });
      }
    }, 10);
  });
  return { ackLatencies, skipped, sent, achievedPerSec: sent / (durationMs / 1000) };
}

/** p50 / p99 / max of a list of milliseconds. */
export function percentiles(values) {
  if (values.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** Ends every client. */
export async function closeAll(clients) {
  await Promise.all(clients.map((c) => new Promise((r) => c.end(true, {}, r))));
}
