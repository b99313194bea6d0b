import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createSasToken, deviceResource } from '@verge/core';
import type { TestCloud } from './cloud.js';
import { REPO_ROOT } from './edge.js';
import { fixtureProcessUserFlags } from './process-user.js';

/** The built `verge` command. */
export const VERGE_BIN = join(REPO_ROOT, 'apps/cli/bin/verge.js');

/** A free TCP port on loopback (to restart a server on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** `verge edge start` running as a child process. */
export interface RuntimeProcess {
  readonly child: ChildProcess;
  /** Standard output and error so far. */
  output(): string;
  /** Resolves once it prints the edge hub line (it is up). */
  readonly started: Promise<void>;
  /** Resolves when it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the edge runtime as the user runs it (the built CLI), process modules, hub on `127.0.0.1:port`; with
 * `--process-user runtime` when other users cannot reach the repository (process-user.ts).
 */
export function startRuntimeProcess(t: TestCloud, o: { dataDir: string; connectionString: string; port: number; startTimeoutMs?: number }): RuntimeProcess {
  const args = ['edge', 'start', '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https, '--data', o.dataDir, '--hostname', 'localhost'];
  args.push('--bind', '127.0.0.1', '--mqtt-port', String(o.port), '--runtime', 'process', '--log-level', 'warn', ...fixtureProcessUserFlags());
  const child = spawn(process.execPath, [VERGE_BIN, ...args], { env: { ...process.env, VERGE_EDGE_CONNECTION_STRING: o.connectionString }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the edge runtime did not start within ${o.startTimeoutMs ?? 60_000} ms; output:\n${output}`)), o.startTimeoutMs ?? 60_000);
    const check = (): void => {
      if (!output.includes('edge hub')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the edge runtime exited before it was up; output:\n${output}`));
    });
  });
  started.catch(() => undefined);
  return { child, output: () => output, started, exited };
}

/** A leaf device's MQTT connection to the edge hub (mqtt.js, SAS valid `tokenTtlSec` (default 1 h), clean session, no automatic reconnect). */
export function connectLeafMqtt(t: TestCloud, o: { deviceId: string; key: string; port: number; caFile: string; tokenTtlSec?: number }): Promise<mqtt.MqttClient> {
  const password = createSasToken({ resource: deviceResource(t.api.hostName, o.deviceId), key: o.key, expirySec: Math.floor(Date.now() / 1000) + (o.tokenTtlSec ?? 3600) });
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: 'localhost',
    port: o.port,
    clientId: o.deviceId,
    username: `${t.api.hostName}/${o.deviceId}/?api-version=2021-04-12`,
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
