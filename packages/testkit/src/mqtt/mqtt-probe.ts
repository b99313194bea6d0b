import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqttPacket, { type IConnackPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { connectPacket, type ConnectOverrides, type ProbeCredentials } from './mqtt-frames.js';

// The raw MQTT 3.1.1 test client over real TLS, for the fault and security suites: it sends exactly the packets or
// bytes a test gives it (malformed ones, wildcard filters, foreign ids, NUL: what no SDK would send) and reports
// exactly what the server answered (CONNACK code, SUBACK codes, PUBACK, any packet, or the connection closing),
// with every wait bounded. It acknowledges QoS 1 publishes from the server and nothing else by itself, unless opened
// with `ackPublishes: false` (tests of delivery and redelivery acknowledge by hand). Frames and SDK-style
// credentials: mqtt-frames.ts.

/** Where a probe dials: a TLS MQTT port on 127.0.0.1 and the CA its server certificate chains to. */
export interface ProbeTarget {
  readonly port: number;
  readonly ca: string;
  /** Host name the server certificate is verified for (default `localhost`). */
  readonly host?: string;
  /** A loopback alias to connect from (e.g. `127.0.0.2`: another client address on the same machine). */
  readonly localAddress?: string;
}

/** How a probe behaves as a client. */
export interface ProbeOptions {
  /** A client certificate and its key for TLS client authentication (X.509 devices). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** PUBACK every QoS 1 publish from the server at once (default true); false: the test sends PUBACKs itself. */
  readonly ackPublishes?: boolean;
}

/** The server's answer to a CONNECT. */
export type ConnectOutcome =
  | { readonly kind: 'accepted'; readonly probe: MqttProbe }
  | { readonly kind: 'refused'; readonly returnCode: number }
  | { readonly kind: 'closed'; readonly reason: string };

/** SUBACK return code of a refused filter (MQTT 3.1.1 §3.9.3). */
export const SUBACK_FAILURE = 0x80;

const WAIT_MS = 5_000;

/** One raw MQTT connection. */
export class MqttProbe {
  private readonly all: Packet[] = [];
  private readonly publishes: IPublishPacket[] = [];
  /** Packets already returned by `next`. */
  private readonly taken = new Set<Packet>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private closedFlag = false;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly ackPublishes: boolean,
  ) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => this.onPacket(p));
    parser.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => parser.parse(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  /** Opens TLS (nothing sent yet); rejects when the handshake fails or takes longer than 5 s. */
  static open(target: ProbeTarget, options: ProbeOptions = {}): Promise<MqttProbe> {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: target.port,
      ca: target.ca,
      servername: target.host ?? 'localhost',
      ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
      ...(options.clientCert === undefined ? {} : { cert: options.clientCert.cert, key: options.clientCert.key }),
    });
    const probe = new MqttProbe(socket, options.ackPublishes ?? true);
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${WAIT_MS} ms`)), WAIT_MS);
      socket.once('error', fail);
      socket.once('close', () => fail(new Error('the connection closed during the TLS handshake')));
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(probe);
      });
    });
  }

  /** Opens TLS, sends CONNECT with `creds` (clean=false, as the SDK does) and resolves with the server's answer. */
  static async connect(target: ProbeTarget, creds: ProbeCredentials): Promise<ConnectOutcome> {
    let probe: MqttProbe;
    try {
      probe = await MqttProbe.open(target);
    } catch (err) {
      return { kind: 'closed', reason: err instanceof Error ? err.message : String(err) };
    }
    probe.send(connectPacket(creds));
    const connack = await probe.waitFor(() => probe.take<IConnackPacket>((p) => p.cmd === 'connack'));
    if (connack?.returnCode === 0) return { kind: 'accepted', probe };
    const closed = probe.closed;
    probe.socket.destroy();
    if (connack !== undefined) return { kind: 'refused', returnCode: connack.returnCode ?? -1 };
    return { kind: 'closed', reason: closed ? 'connection closed before CONNACK' : `no CONNACK within ${WAIT_MS} ms` };
  }

  /** The CONNACK return code `creds` get (0: accepted), or `closed` when the server gave none; closes the connection. */
  static async answer(target: ProbeTarget, creds: ProbeCredentials): Promise<number | 'closed'> {
    const outcome = await MqttProbe.connect(target, creds);
    if (outcome.kind === 'accepted') outcome.probe.end();
    return outcome.kind === 'accepted' ? 0 : outcome.kind === 'refused' ? outcome.returnCode : 'closed';
  }

  /** `connect` that must be accepted: the connected probe, or an error naming the client and what happened instead. */
  static async accepted(target: ProbeTarget, creds: ProbeCredentials): Promise<MqttProbe> {
    const outcome = await MqttProbe.connect(target, creds);
    if (outcome.kind !== 'accepted') throw new Error(`${creds.clientId} was not accepted: ${JSON.stringify(outcome)}`);
    return outcome.probe;
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Every packet received (CONNACK included), in order. */
  get packets(): readonly Packet[] {
    return this.all;
  }

  /** Publishes received so far. */
  get messages(): readonly IPublishPacket[] {
    return this.publishes;
  }

  /** Writes a packet, or bytes exactly as given. */
  send(packetOrBytes: Packet | Uint8Array): void {
    this.socket.write(packetOrBytes instanceof Uint8Array ? packetOrBytes : mqttPacket.generate(packetOrBytes));
  }

  /**
   * The first received packet matching `match` that `next` has not returned yet (received before the call or
   * after); rejects when the connection closes or after `timeoutMs`, naming what did arrive.
   */
  async next<T extends Packet = Packet>(match: (p: Packet) => boolean, timeoutMs = WAIT_MS): Promise<T> {
    const packet = await this.waitFor(() => this.take<T>(match), timeoutMs);
    if (packet !== undefined) return packet;
    const seen = JSON.stringify(this.all.map((p) => p.cmd));
    throw new Error(this.closedFlag ? `the server closed the connection; received ${seen}` : `no matching packet within ${timeoutMs} ms; received ${seen}`);
  }

  /** Sends CONNECT with `creds` (and `overrides`) and resolves with the CONNACK; rejects when none arrives. */
  connack(creds: ProbeCredentials, overrides: ConnectOverrides = {}): Promise<IConnackPacket> {
    this.send(connectPacket(creds, overrides));
    return this.next<IConnackPacket>((p) => p.cmd === 'connack');
  }

  /**
   * A round trip: PINGREQ, then `pong` on the PINGRESP or `closed` when the server closed the connection instead;
   * rejects after `timeoutMs`. Everything the server did with earlier packets of this connection is done by then.
   */
  async ping(timeoutMs = WAIT_MS): Promise<'pong' | 'closed'> {
    const from = this.all.length;
    this.send({ cmd: 'pingreq' });
    const pong = await this.waitFor(() => this.all.slice(from).find((p) => p.cmd === 'pingresp'), timeoutMs);
    if (pong !== undefined) return 'pong';
    if (this.closedFlag) return 'closed';
    throw new Error(`no PINGRESP within ${timeoutMs} ms`);
  }

  /** SUBSCRIBE one filter: the SUBACK code (0, 1 or 0x80), or `closed` when the server dropped the connection. */
  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<number | 'closed'> {
    const messageId = this.id();
    this.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] });
    const ack = await this.waitFor(() => this.all.find((p) => p.cmd === 'suback' && p.messageId === messageId));
    if (ack?.cmd !== 'suback') return 'closed';
    const [code = -1] = ack.granted as number[];
    return code;
  }

  /** PUBLISH QoS 1: `acked`, or `closed` when the server closed the connection instead of acknowledging. */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<'acked' | 'closed' | 'sent'> {
    const messageId = qos === 1 ? this.id() : undefined;
    this.send({ cmd: 'publish', topic, payload, qos, dup: false, retain: false, ...(messageId === undefined ? {} : { messageId }) });
    if (qos === 0) return 'sent';
    const ack = await this.waitFor(() => this.all.find((p) => p.cmd === 'puback' && p.messageId === messageId));
    return ack === undefined ? 'closed' : 'acked';
  }

  /**
   * Waits for a publish from the server whose topic passes `match`, among those received from index `from` on
   * (`messages.length` before an action: only what the action caused); undefined when the connection closed or
   * time ran out.
   */
  nextMessage(match: (topic: string) => boolean, timeoutMs = WAIT_MS, from = 0): Promise<IPublishPacket | undefined> {
    return this.waitFor(() => this.publishes.slice(from).find((m) => match(m.topic)), timeoutMs);
  }

  /** Waits until the server closes the connection; false when it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<boolean> {
    await this.waitFor(() => undefined, timeoutMs);
    return this.closedFlag;
  }

  /** Closes the connection (DISCONNECT first when still open). */
  end(): void {
    if (!this.closedFlag && !this.socket.destroyed) this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
    this.socket.destroy();
  }

  /** Drops the connection without DISCONNECT, as a client that loses its network does. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Stops reading from the socket (a client that does not read: the server's writes pile up); `resume` reads again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private onPacket(p: Packet): void {
    this.all.push(p);
    if (p.cmd === 'publish') {
      this.publishes.push(p);
      if (this.ackPublishes && p.qos === 1 && p.messageId !== undefined) this.send({ cmd: 'puback', messageId: p.messageId });
    }
    this.wake();
  }

  private take<T extends Packet>(match: (p: Packet) => boolean): T | undefined {
    const packet = this.all.find((p) => !this.taken.has(p) && match(p));
    if (packet !== undefined) this.taken.add(packet);
    return packet as T | undefined;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private id(): number {
    const id = this.nextId;
    this.nextId = (this.nextId % 65_535) + 1;
    return id;
  }

  /** Resolves with `pick`'s first value other than undefined (checked at once and on every packet), or undefined on close/timeout. */
  private waitFor<T>(pick: () => T | undefined, timeoutMs = WAIT_MS): Promise<T | undefined> {
    return new Promise((resolve) => {
      const check = (): void => {
        const value = pick();
        if (value !== undefined) done(value);
        else if (this.closedFlag) done(undefined);
      };
      const done = (value: T | undefined): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
