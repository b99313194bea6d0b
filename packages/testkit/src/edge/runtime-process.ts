import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { TestCloud } from '../cloud/index.js';
import { usernameOf } from '../mqtt/mqtt-frames.js';
import { fixtureProcessUserFlags } from './process-user.js';
import { identityToken, nowSec } from '../mqtt/sas.js';
import { spawnVerge, type VergeProcess } from './verge-cli.js';

/** `verge edge start` running as a child process (verge-cli.ts), and when it is up. */
export interface RuntimeProcess extends VergeProcess {
  /** Resolves once it prints the edge hub line (it is up); rejects when it exits first or after the start timeout. */
  readonly started: Promise<void>;
}

/**
 * Starts the edge runtime as the user runs it (the built CLI), process modules, hub on `127.0.0.1:port`; with
 * `--process-user runtime` when other users cannot reach the repository (process-user.ts).
 */
export function startRuntimeProcess(t: TestCloud, o: { dataDir: string; connectionString: string; port: number; startTimeoutMs?: number; env?: NodeJS.ProcessEnv }): RuntimeProcess {
  const args = ['edge', 'start', '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https, '--data', o.dataDir, '--hostname', 'localhost'];
  args.push('--bind', '127.0.0.1', '--mqtt-port', String(o.port), '--https-port', '0', '--runtime', 'process', '--log-level', 'warn', ...fixtureProcessUserFlags());
  const run = spawnVerge(args, { env: { ...o.env, VERGE_EDGE_CONNECTION_STRING: o.connectionString } });
  const startTimeoutMs = o.startTimeoutMs ?? 60_000;
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the edge runtime did not start within ${startTimeoutMs} ms; output:\n${run.output()}`)), startTimeoutMs);
    const check = (): void => {
      if (!run.output().includes('edge hub')) return;
      clearTimeout(timer);
      resolve();
    };
    run.child.stdout?.on('data', check);
    void run.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the edge runtime exited before it was up; output:\n${run.output()}`));
    });
  });
  started.catch(() => undefined);
  return { ...run, started };
}

/** A leaf device's MQTT connection to the edge hub (mqtt.js, SAS valid `tokenTtlSec` (default 1 h), clean session, no automatic reconnect). */
export function connectLeafMqtt(t: TestCloud, o: { deviceId: string; key: string; port: number; caFile: string; tokenTtlSec?: number }): Promise<mqtt.MqttClient> {
  const password = identityToken({ host: t.api.hostName, deviceId: o.deviceId, key: o.key, expirySec: nowSec() + (o.tokenTtlSec ?? 3600) });
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: 'localhost',
    port: o.port,
    clientId: o.deviceId,
    username: usernameOf(t.api.hostName, o.deviceId),
    password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    ca: readFileSync(o.caFile, 'utf8'),
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('the connection closed before CONNACK')));
  });
}
