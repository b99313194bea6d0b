// In-memory clients of the server for this package's tests: `handle(stream, meta)` with a pair of PassThrough
// streams, no socket, no TLS. The raw protocol probe of the top-level suites (`@verge/testkit/mqtt`) needs a socket.
import { Duplex, PassThrough } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect, onTestFinished } from 'vitest';
import type { Message } from '@verge/contracts';
import { createLogger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import {
  ConnackCode,
  createIotHubMqttServer,
  type IotHubBackend,
  type IotHubMqttLimits,
  type IotHubMqttServer,
  type SessionRegistry,
  type StreamMeta,
  type TwinAnswer,
} from '../../src/index.js';

export const log = createLogger({ service: 'test', level: 'silent' });
// The TLS material is only used by the listener, which these tests never start.
const noTls = { key: '', cert: '' };

/** One client end: writes packets to the server, parses what the server writes back. */
export class MemoryClient {
  readonly received: Packet[] = [];
  closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly toServer: PassThrough,
    fromServer: PassThrough,
    private readonly serverEnd: Duplex,
  ) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => {
      this.received.push(p);
      this.wake();
    });
    fromServer.on('data', (chunk: Buffer) => parser.parse(chunk));
    // As a TCP peer does: when the server ends its side, the client ends its own.
    fromServer.on('end', () => toServer.end());
    serverEnd.once('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  send(packet: Packet): void {
    this.toServer.write(mqttPacket.generate(packet));
  }

  /** Writes several packets as one chunk (what a client that sends before CONNACK may do). */
  sendTogether(packets: readonly Packet[]): void {
    this.toServer.write(Buffer.concat(packets.map((p) => mqttPacket.generate(p))));
  }

  /** The connection drops as a TCP reset does: the server's stream is destroyed. */
  reset(): void {
    this.serverEnd.destroy();
  }

  /** Resolves with the first received packet (not yet taken) that matches. */
  async next<T extends Packet>(match: (p: Packet) => p is T, what: string): Promise<T> {
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0] as T;
      if (this.closed) throw new Error(`the server closed the stream before ${what}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export const isType =
  <C extends Packet['cmd']>(cmd: C) =>
  (p: Packet): p is Extract<Packet, { cmd: C }> =>
    p.cmd === cmd;
export const publishOn = (prefix: string) => (p: Packet): p is mqttPacket.IPublishPacket => p.cmd === 'publish' && p.topic.startsWith(prefix);

/** A backend that records what it is asked; each test overrides what it needs. Password `ok` is accepted. */
export function recordingBackend(overrides: Partial<IotHubBackend> = {}) {
  const ingested: { identity: ClientIdentity; message: Message }[] = [];
  const delivered: string[] = [];
  const backend: IotHubBackend = {
    authenticate: (credentials) =>
      credentials.password?.toString() === 'ok'
        ? { ok: true, identity: { deviceId: credentials.clientId }, clientId: credentials.clientId, method: 'sas' }
        : { ok: false, returnCode: ConnackCode.badCredentials, reason: 'bad password' },
    ingest: (identity, message) => {
      ingested.push({ identity, message });
    },
    twinGet: (): TwinAnswer => ({ status: 200, body: '{"desired":{"$version":1},"reported":{"$version":1}}' }),
    twinPatchReported: (): TwinAnswer => ({ status: 204, body: '', version: 3 }),
    methodResponse: () => false,
    delivered: (_conn, tag) => delivered.push(tag),
    ...overrides,
  };
  return { backend, ingested, delivered };
}

export function startServer(backend: IotHubBackend, limits: Partial<IotHubMqttLimits> = {}, sessions?: SessionRegistry): IotHubMqttServer {
  const server = createIotHubMqttServer({ backend, host: '127.0.0.1', port: 0, tls: noTls, log, limits, ...(sessions === undefined ? {} : { sessions }) });
  onTestFinished(() => server.stop());
  return server;
}

/** Opens a stream pair and hands the server its end. */
export function connectStream(server: IotHubMqttServer, meta: StreamMeta = { transport: 'memory', remoteAddress: '127.0.0.1' }): MemoryClient {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const serverEnd = Duplex.from({ readable: toServer, writable: fromServer });
  const client = new MemoryClient(toServer, fromServer, serverEnd);
  server.handle(serverEnd, meta);
  return client;
}

/** The CONNECT of `deviceId` with the password the recording backend accepts. */
export function connectOf(deviceId: string, o: { clean?: boolean; password?: string } = {}): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: deviceId,
    clean: o.clean ?? false,
    keepalive: 60,
    username: `hub/${deviceId}/?api-version=2021-04-12`,
    password: Buffer.from(o.password ?? 'ok'),
  };
}

export async function connected(server: IotHubMqttServer, deviceId = 'd1'): Promise<MemoryClient> {
  const client = connectStream(server);
  client.send(connectOf(deviceId));
  const connack = await client.next(isType('connack'), 'CONNACK');
  expect(connack.returnCode).toBe(0);
  return client;
}
