import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';

// A raw MQTT 3.1.1 client over real TLS for the security suite: it sends exactly the packets a test asks for
// (including ones no SDK would send: wildcard filters, foreign ids, NUL) and reports exactly what the server
// answered (CONNACK code, SUBACK codes, PUBACK, or the connection closing), with every wait bounded.

/** Where a probe dials: a TLS MQTT port on loopback and the CA its server certificate chains to. */
export interface ProbeTarget {
  readonly port: number;
  readonly ca: string;
  /** Host name dialled and verified (default `localhost`). */
  readonly host?: string;
}

/** What a CONNECT presents. */
export interface ProbeCredentials {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
}

/** The server's answer to a CONNECT. */
export type ConnectOutcome =
  | { readonly kind: 'accepted'; readonly probe: MqttProbe }
  | { readonly kind: 'refused'; readonly returnCode: number }
  | { readonly kind: 'closed'; readonly reason: string };

/** SUBACK return code of a refused filter (MQTT 3.1.1 §3.9.3). */
export const SUBACK_FAILURE = 0x80;

const WAIT_MS = 5_000;

/** `{host}/{clientId}/?api-version=…`, the user name the Azure SDK sends (azure-sdk-protocol.md §2). */
export function usernameOf(host: string, clientId: string): string {
  return `${host}/${clientId}/?api-version=2021-04-12`;
}

/** One connected raw MQTT client. */
export class MqttProbe {
  private readonly received: IPublishPacket[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private closedFlag = false;

  private constructor(private readonly socket: TLSSocket) {}

  /** Opens TLS, sends CONNECT (clean=false, as the SDK does) and resolves with the server's answer. */
  static connect(target: ProbeTarget, creds: ProbeCredentials): Promise<ConnectOutcome> {
    return new Promise((resolve) => {
      const host = target.host ?? 'localhost';
      const socket = tlsConnect({ host, port: target.port, ca: target.ca, servername: host });
      const probe = new MqttProbe(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let settled = false;
      const settle = (o: ConnectOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (o.kind !== 'accepted') socket.destroy();
        resolve(o);
      };
      const timer = setTimeout(() => settle({ kind: 'closed', reason: `no CONNACK within ${WAIT_MS} ms` }), WAIT_MS);
      parser.on('packet', (p: Packet) => {
        if (p.cmd === 'connack') settle(p.returnCode === 0 ? { kind: 'accepted', probe } : { kind: 'refused', returnCode: p.returnCode ?? -1 });
        else probe.onPacket(p);
      });
      parser.on('error', (err: Error) => socket.destroy(err));
      socket.on('data', (d: Buffer) => parser.parse(d));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        probe.closedFlag = true;
        for (const w of [...probe.waiters]) w();
        settle({ kind: 'closed', reason: 'connection closed before CONNACK' });
      });
      socket.once('secureConnect', () => {
        socket.write(
          mqttPacket.generate({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clean: false,
            clientId: creds.clientId,
            keepalive: 60,
            ...(creds.username === undefined ? {} : { username: creds.username }),
            ...(creds.password === undefined ? {} : { password: Buffer.from(creds.password, 'utf8') }),
          }),
        );
      });
    });
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Publishes received so far. */
  get messages(): readonly IPublishPacket[] {
    return this.received;
  }

  /** SUBSCRIBE one filter: the SUBACK code (0, 1 or 0x80), or `closed` when the server dropped the connection. */
  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<number | 'closed'> {
    const messageId = this.id();
    this.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] }));
    const ack = await this.waitFor((p) => (p?.cmd === 'suback' && p.messageId === messageId ? p : undefined));
    if (ack === undefined) return 'closed';
    const [code = -1] = ack.granted as number[];
    return code;
  }

  /** PUBLISH QoS 1: `acked`, or `closed` when the server closed the connection instead of acknowledging. */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<'acked' | 'closed' | 'sent'> {
    const messageId = qos === 1 ? this.id() : undefined;
    this.socket.write(mqttPacket.generate({ cmd: 'publish', topic, payload, qos, dup: false, retain: false, ...(messageId === undefined ? {} : { messageId }) }));
    if (qos === 0) return 'sent';
    const ack = await this.waitFor((p) => (p?.cmd === 'puback' && p.messageId === messageId ? p : undefined));
    return ack === undefined ? 'closed' : 'acked';
  }

  /**
   * Waits for a publish from the server whose topic passes `match`, among those received from index `from` on
   * (`messages.length` before an action: only what the action caused); undefined when the connection closed or
   * time ran out.
   */
  nextMessage(match: (topic: string) => boolean, timeoutMs = WAIT_MS, from = 0): Promise<IPublishPacket | undefined> {
    return this.waitFor(() => this.received.slice(from).find((m) => match(m.topic)), timeoutMs);
  }

  /** Waits until the server closes the connection; false when it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<boolean> {
    await this.waitFor(() => undefined, timeoutMs);
    return this.closedFlag;
  }

  /** Closes the connection (DISCONNECT first when still open). */
  end(): void {
    if (!this.closedFlag) this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
    this.socket.destroy();
  }

  // The packet being dispatched to the waiters (undefined between packets).
  private lastPacket: Packet | undefined;

  private onPacket(p: Packet): void {
    if (p.cmd === 'publish') {
      this.received.push(p);
      if (p.qos === 1 && p.messageId !== undefined) this.socket.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId }));
    }
    this.lastPacket = p;
    for (const w of [...this.waiters]) w();
    this.lastPacket = undefined;
  }

  private id(): number {
    const id = this.nextId;
    this.nextId = (this.nextId % 65_535) + 1;
    return id;
  }

  /**
   * Resolves with `pick`'s first non-undefined value, or undefined on close/timeout. `pick` sees each packet as it
   * arrives (undefined for the first check, made at once).
   */
  private waitFor<T>(pick: (p: Packet | undefined) => T | undefined, timeoutMs = WAIT_MS): Promise<T | undefined> {
    return new Promise((resolve) => {
      const check = (): void => {
        const value = pick(this.lastPacket);
        if (value !== undefined) return done(value);
        if (this.closedFlag) done(undefined);
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
