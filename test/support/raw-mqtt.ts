import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { createSasToken, deviceResource, moduleResource } from '@verge/core';

/**
 * A byte-level MQTT 3.1.1 client over real TLS for the fault and security suites: it sends exactly the bytes a test
 * gives it (malformed ones included), decodes what the server answers and never acknowledges anything by itself.
 */
export interface RawMqttClient {
  readonly socket: TLSSocket;
  /** Packets received and not yet taken by `next`. */
  readonly received: Packet[];
  readonly closed: boolean;
  send(packetOrBytes: Packet | Uint8Array): void;
  /** The next received packet matching `match`; rejects after `timeoutMs` naming what did arrive. */
  next<T extends Packet = Packet>(match: (p: Packet) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves once the server closed the connection; rejects after `timeoutMs`. */
  waitClosed(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/** Opens TLS to `127.0.0.1:port` trusting `ca` (server name `localhost`), optionally from a loopback alias. */
export async function openRawMqtt(o: { port: number; ca: string; localAddress?: string }): Promise<RawMqttClient> {
  const socket = tlsConnect({ host: '127.0.0.1', port: o.port, ca: o.ca, servername: 'localhost', ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const received: Packet[] = [];
  const waiters = new Set<() => void>();
  let closed = false;
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p: Packet) => {
    received.push(p);
    for (const w of [...waiters]) w();
  });
  parser.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      for (const w of [...waiters]) w();
      resolve();
    }),
  );
  return {
    socket,
    received,
    get closed() {
      return closed;
    },
    send: (p) => void socket.write(p instanceof Uint8Array ? p : mqttPacket.generate(p)),
    next: <T extends Packet>(match: (p: Packet) => boolean, timeoutMs = 5000) =>
      new Promise<T>((resolve, reject) => {
        const check = (): void => {
          const i = received.findIndex(match);
          if (i >= 0) {
            finish();
            resolve(received.splice(i, 1)[0] as T);
          } else if (closed) {
            finish();
            reject(new Error(`the server closed the connection; received ${JSON.stringify(received.map((p) => p.cmd))}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching packet within ${timeoutMs} ms; received ${JSON.stringify(received.map((p) => p.cmd))}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    waitClosed: async (timeoutMs = 5000) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closedPromise,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the connection is still open after ${timeoutMs} ms`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
    },
    destroy: () => socket.destroy(),
  };
}

/** A valid CONNECT of a device (or module) with a SAS token signed with `key`, as the Azure SDK sends it. */
export function sasConnectPacket(o: { hostName: string; deviceId: string; moduleId?: string; key: string; audience?: string }): IConnectPacket {
  const clientId = o.moduleId === undefined ? o.deviceId : `${o.deviceId}/${o.moduleId}`;
  const resource = o.moduleId === undefined ? deviceResource(o.hostName, o.deviceId) : moduleResource(o.hostName, o.deviceId, o.moduleId);
  const token = createSasToken({ resource, key: o.key, expirySec: Math.floor(Date.now() / 1000) + 3600 });
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId,
    clean: false,
    keepalive: 180,
    username: `${o.audience ?? o.hostName}/${clientId}/?api-version=2021-04-12`,
    password: Buffer.from(token),
  };
}

/**
 * A PUBLISH frame whose topic is the raw `topic` bytes (which mqtt-packet's encoder cannot produce when they are not
 * valid UTF-8). MQTT 3.1.1 §3.3: type 3, QoS in bits 1–2, then topic length, topic, packet id (QoS 1), payload.
 */
export function rawPublishFrame(topic: Uint8Array, payload: Uint8Array, qos: 0 | 1, messageId = 1): Buffer {
  const variable = Buffer.concat([u16(topic.length), Buffer.from(topic), qos === 1 ? u16(messageId) : Buffer.alloc(0), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), remainingLength(variable.length), variable]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** MQTT's variable-length "remaining length" (1–4 bytes, 7 bits each, low first). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return Buffer.from(out);
}
