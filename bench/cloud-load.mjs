// Load-generation helpers of bench/cloud-devices.mjs: device registration over REST, MQTT clients (mqtt.js,
// TLS, SAS tokens computed locally, clean=false like the Azure SDK) and a QoS 1 telemetry pump.
import mqtt from 'mqtt';
import { createServiceSasToken, createSasToken, deviceResource, parseConnectionString } from '../packages/core/dist/index.js';

export const HUB = 'localhost';

/** Runs `fn` over `items` with at most `limit` in flight; stops starting new ones after `deadline` (ms epoch). */
export async function pool(items, limit, deadline, fn) {
  let next = 0;
  const results = [];
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A REST caller authenticated as the owner policy. */
export function restClient(httpUrl, serviceConnectionString) {
  const cs = parseConnectionString(serviceConnectionString);
  const token = createServiceSasToken({ hostName: cs.hostName, policyName: cs.sharedAccessKeyName, key: cs.sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + 7200 });
  return async (method, path, body) => {
    const res = await fetch(`${httpUrl}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}

/** Registers `ids` with one shared primary key (registration is not what is measured). */
export async function registerDevices(rest, ids, key, deadline) {
  const done = await pool(ids, 32, deadline, async (deviceId) => {
    await rest('PUT', `/devices/${deviceId}`, { deviceId, authentication: { type: 'sas', symmetricKey: { primaryKey: key, secondaryKey: key } } });
    return true;
  });
  return done.filter(Boolean).length;
}

/** Connects one device to the cloud as the Azure SDK would (TLS, clean=false, keepalive 180 s). */
export function connectCloudDevice(port, caPem, deviceId, key) {
  const password = createSasToken({ resource: deviceResource(HUB, deviceId), key, expirySec: Math.floor(Date.now() / 1000) + 7200 });
  return connect(`mqtts://localhost:${port}`, {
    ca: caPem,
    clientId: deviceId,
    username: `${HUB}/${deviceId}/?api-version=2021-04-12`,
    password,
  });
}

/** Connects one client to the local Mosquitto (plain TCP, anonymous). */
export function connectMosquitto(clientId) {
  return connect('mqtt://127.0.0.1:1883', { clientId });
}

function connect(url, options) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, clean: false, keepalive: 180, reconnectPeriod: 0, connectTimeout: 60_000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/**
 * Publishes QoS 1 messages of `payloadBytes` from every client, each keeping `window` messages in flight, for
 * `durationMs`; counts PUBACKs received after `warmupMs`. Returns messages per second.
 */
export async function pumpTelemetry(clients, { payloadBytes, window, durationMs, warmupMs, onSample }) {
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const start = Date.now();
  const end = start + durationMs;
  let acked = 0;
  let errors = 0;
  let closed = 0;
  const sampler = setInterval(() => onSample?.(), 500);
  for (const c of clients) c.once('close', () => (closed += 1));
  // A client the broker disconnected never gets its PUBACKs (mqtt.js keeps QoS 1 messages for a reconnect):
  // give up waiting shortly after the end instead of hanging.
  let giveUp;
  const hardStop = new Promise((resolve) => (giveUp = setTimeout(resolve, durationMs + 10_000)));
  await Promise.race([hardStop, Promise.all(
    clients.map(
      (client) =>
        new Promise((resolve) => {
          let inFlight = 0;
          const topic = `devices/${client.options.clientId}/messages/events/`; // a device may only publish as itself
          const send = () => {
            while (inFlight < window && Date.now() < end) {
              inFlight += 1;
              client.publish(topic, payload, { qos: 1 }, (err) => {
                inFlight -= 1;
                if (err) errors += 1;
                else if (Date.now() >= start + warmupMs && Date.now() <= end) acked += 1;
                if (Date.now() < end) send();
                else if (inFlight === 0) resolve();
              });
            }
            if (inFlight === 0) resolve();
          };
          send();
        }),
    ),
  )]);
  clearTimeout(giveUp);
  clearInterval(sampler);
  return { msgsPerSec: acked / ((durationMs - warmupMs) / 1000), errors, disconnected: closed };
}

/** Closes clients, `limit` at a time. */
export async function closeAll(clients) {
  await pool(clients, 500, Number.POSITIVE_INFINITY, (c) => new Promise((r) => c.end(true, {}, r)));
}
