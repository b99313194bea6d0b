import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { FrameReader, PacketDecoder } from '@verge/iothub-mqtt';

/**
 * A byte-level MQTT client for endpoint tests: sends exactly the packets a test asks for (including
 * malformed ones) and never acknowledges anything by itself.
 */
export class RawClient {
  readonly received: Packet[] = [];
  private readonly waiters: { match: (p: Packet) => boolean; resolve: (p: Packet) => void }[] = [];
  closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: TLSSocket) {
    const reader = new FrameReader(() => 1 << 24);
    const decoder = new PacketDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const e of reader.push(chunk)) {
        if (e.kind !== 'frame') throw new Error(`bad frame from server: ${e.kind}`);
        const p = decoder.decode(e.frame);
        this.received.push(p);
        for (const w of [...this.waiters]) {
          if (w.match(p)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(p);
          }
        }
      }
    });
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Opens TLS to the endpoint (optionally with a client certificate). */
  static async open(port: number, ca: string, tls: { cert?: string; key?: string } = {}): Promise<RawClient> {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...tls });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet));
  }

  writeBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next received packet matching `match` (also one already received and not yet consumed). */
  next<T extends Packet = Packet>(match: (p: Packet) => boolean, timeoutMs = 5000): Promise<T> {
    const already = this.received.find(match);
    if (already !== undefined) {
      this.received.splice(this.received.indexOf(already), 1);
      return Promise.resolve(already as T);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching packet within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((p) => p.cmd))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (p) => {
          clearTimeout(timer);
          this.received.splice(this.received.indexOf(p), 1);
          resolve(p as T);
        },
      });
    });
  }

  /** Sends CONNECT and returns CONNACK. */
  async connect(fields: { clientId: string; username?: string; password?: string; clean?: boolean; keepalive?: number; protocolVersion?: 3 | 4 | 5 }) {
    this.send({
      cmd: 'connect',
      protocolId: fields.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: fields.protocolVersion ?? 4,
      clientId: fields.clientId,
      clean: fields.clean ?? false,
      keepalive: fields.keepalive ?? 180,
      ...(fields.username === undefined ? {} : { username: fields.username }),
      ...(fields.password === undefined ? {} : { password: Buffer.from(fields.password) }),
    });
    return this.next<mqttPacket.IConnackPacket>((p) => p.cmd === 'connack');
  }

  async subscribe(filter: string, qos: 0 | 1 = 0, messageId = 1): Promise<number[]> {
    this.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] });
    const suback = await this.next<mqttPacket.ISubackPacket>((p) => p.cmd === 'suback' && p.messageId === messageId);
    return suback.granted as number[];
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, messageId?: number): void {
    this.send({ cmd: 'publish', topic, payload, qos, dup: false, retain: false, ...(qos === 1 ? { messageId: messageId ?? 1 } : {}) });
  }

  /** Resolves when the server closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closedPromise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  end(): void {
    this.socket.destroy();
  }
}
