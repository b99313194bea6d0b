import { isIP } from 'node:net';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { VergeError } from '@verge/contracts';
import type { ResolvedOptions } from './options.js';
import { clientIdOf, usernameOf } from './credentials.js';
import { MessageIds } from './message-ids.js';
import { encodeQos1Publishes } from './publish-frames.js';

/** A QoS 1 event for {@link Connection.publishEvents}; `acknowledged` is called once when its PUBACK arrives. */
export interface Qos1Event {
  readonly topic: string;
  readonly payload: Buffer;
  acknowledged(): void;
}

/** Receives inbound PUBLISHes of one connection. */
export interface ConnectionHandlers {
  /**
   * Called for every inbound PUBLISH, in arrival order. For QoS 1 the returned promise decides the PUBACK: it is
   * sent once this and every earlier QoS 1 message settled successfully (MQTT-4.6.0-2 order); a rejection drops
   * the connection without acknowledging, so the hub delivers the message again on the next session.
   */
  onPublish(topic: string, payload: Buffer, qos: number): void | Promise<void>;
  /** The connection ended after CONNACK; `error` is why, when it was not closed on purpose. */
  onClose(error: Error | undefined): void;
}

/** One MQTT session attempt: a CONNECT accepted by the hub, until it closes. Never reconnects by itself. */
export interface Connection {
  readonly sessionPresent: boolean;
  readonly closed: boolean;
  /** Publishes; for QoS 1 resolves on PUBACK. Rejects with SDK_CONNECTION_FAILED when the connection ends first. */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1): Promise<void>;
  /**
   * Publishes QoS 1 events in order with ONE socket write, encoded directly (not through mqtt.js); each event's
   * `acknowledged` runs on its PUBACK. When the connection ends first nothing is called (the caller requeues on the
   * close it is told about). Ignored on a closed connection.
   */
  publishEvents(events: readonly Qos1Event[]): void;
  /** Subscribes one filter (one filter per SUBSCRIBE, as the SDK); rejects with SDK_SUBSCRIBE_FAILED on 0x80. */
  subscribe(filter: string, qos: 0 | 1): Promise<void>;
  /** Waits up to `graceMs` for in-flight PUBACKs, sends DISCONNECT and closes; forces the close after that. */
  end(graceMs: number): Promise<void>;
  /** Closes the socket at once (no DISCONNECT). */
  destroy(): void;
}

interface PendingAck {
  readonly messageId: number;
  settled: 'pending' | 'ok';
}

// mqtt.js sends a PUBACK only from handleMessage's callback, which also holds back every later packet. To keep
// processing (a handler may await its own sendEvent's PUBACK) while acknowledging only after the handler
// settled, the PUBACK is written later through the client's packet writer.
type PacketWriter = { _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: () => void): void };

/**
 * Opens one TLS connection and sends CONNECT with the SDK's identity fields (clean=false, reconnect off:
 * the caller owns reconnects and token renewal). Resolves on CONNACK 0; rejects with SDK_CONNECT_REFUSED
 * (return code in `details.returnCode`) or SDK_CONNECTION_FAILED.
 */
export async function openConnection(o: ResolvedOptions, token: string, handlers: ConnectionHandlers, signal?: AbortSignal): Promise<Connection> {
  // mqtt.js (with readable-stream and its timers) is loaded on the first connection, not at import: the edge runtime's
  // hub then listens about 0.15 s sooner after a restart, before its upstream links and the agent's link dial out.
  const { connect } = await import('mqtt');
  const ids = new MessageIds();
  const options: IClientOptions = {
    protocol: 'mqtts',
    host: o.host,
    port: o.port,
    protocolVersion: 4,
    clientId: clientIdOf(o),
    username: usernameOf(o),
    password: token,
    clean: false,
    messageIdProvider: ids,
    keepalive: o.keepaliveSec,
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs,
    resubscribe: false,
    queueQoSZero: false,
    rejectUnauthorized: true,
    ...(o.ca === undefined ? {} : { ca: typeof o.ca === 'string' ? o.ca : [...o.ca] }),
    // mqtt.js hands its options to tls.connect, which uses a given context instead of building one from `ca`.
    ...(o.secureContext === undefined ? {} : { secureContext: o.secureContext }),
    ...tlsName(o),
  };
  const client = connect(options);
  // TCP_NODELAY: small QoS 1 publishes and PUBACKs must not wait for Nagle (latency of the hub's upstream). The TLS
  // socket exists as soon as connect() returns; Node applies the flag once the TCP handle is connected.
  (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  return new Promise<Connection>((resolve, reject) => {
    let lastError: Error | undefined;
    let established: ConnectionImpl | undefined;
    client.on('error', (err) => {
      lastError = err;
    });
    client.once('connect', (connack) => {
      signal?.removeEventListener('abort', onAbort);
      established = new ConnectionImpl(client, connack.sessionPresent, handlers, o, ids);
      resolve(established);
    });
    const onAbort = (): void => {
      lastError = new VergeError('SDK_CLIENT_CLOSED', 'the client was closed while connecting');
      client.end(true);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (established !== undefined) {
        established.handleClose(lastError);
        return;
      }
      client.end(true);
      reject(lastError instanceof VergeError ? lastError : connectFailure(o, lastError));
    });
    if (signal?.aborted === true) onAbort();
  });
}

function tlsName(o: ResolvedOptions): { servername?: string } {
  if (o.servername !== undefined) return { servername: o.servername };
  return isIP(o.host) === 0 ? { servername: o.host } : {};
}

function connectFailure(o: ResolvedOptions, err: Error | undefined): VergeError {
  const code = (err as { code?: unknown } | undefined)?.code;
  const where = `${o.host}:${o.port}`;
  if (typeof code === 'number' && code >= 1 && code <= 5) {
    return new VergeError('SDK_CONNECT_REFUSED', `${where} refused the connection of '${clientIdOf(o)}': ${err?.message ?? ''} (CONNACK return code ${code})`, {
      details: { returnCode: code },
    });
  }
  const why = err === undefined ? 'the connection closed before CONNACK' : err.message;
  return new VergeError('SDK_CONNECTION_FAILED', `cannot connect '${clientIdOf(o)}' to ${where}: ${why}`, { cause: err });
}

class ConnectionImpl implements Connection {
  closed = false;
  private closedOnPurpose = false;
  private readonly acks: PendingAck[] = [];
  private readonly inflight = new Set<(err: Error) => void>();
  /** Events written by `publishEvents` that wait for their PUBACK, by packet identifier. */
  private readonly awaitingPuback = new Map<number, Qos1Event>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly client: MqttClient,
    readonly sessionPresent: boolean,
    private readonly handlers: ConnectionHandlers,
    private readonly o: ResolvedOptions,
    private readonly ids: MessageIds,
  ) {
    // Runs before mqtt.js handles the packet; a PUBACK of ours is unknown to mqtt.js, which then ignores it.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) this.pubackReceived(packet.messageId);
    });
    client.handleMessage = (packet, callback) => {
      this.dispatch(packet as IPublishPacket);
      // An error skips mqtt.js's own PUBACK (see PacketWriter) and lets the next packet be processed at once.
      callback(packet.qos === 1 ? new Error('acknowledged by the device client') : undefined);
    };
  }

  publish(topic: string, payload: Buffer | string, qos: 0 | 1): Promise<void> {
    if (this.closed) return Promise.reject(this.lost());
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.inflight.add(fail);
      this.client.publish(topic, payload, { qos }, (err) => {
        if (!this.inflight.delete(fail)) return;
        if (err === undefined || err === null) resolve();
        else reject(new VergeError('SDK_CONNECTION_FAILED', `publish to '${topic}' failed: ${err.message}`, { cause: err }));
      });
    });
  }

  publishEvents(events: readonly Qos1Event[]): void {
    if (this.closed || events.length === 0) return;
    if (this.ids.size + events.length > 65_535) {
      // MQTT-2.3.1-2 leaves no identifier for them: start over on a new connection, which publishes every event again.
      this.o.log.warn({ inFlight: this.ids.size, events: events.length }, 'more events unacknowledged than MQTT has packet identifiers; reconnecting');
      this.destroy();
      return;
    }
    const messageIds = events.map((event) => {
      const messageId = this.ids.allocate();
      this.awaitingPuback.set(messageId, event);
      return messageId;
    });
    (this.client.stream as unknown as NodeJS.WritableStream).write(encodeQos1Publishes(events, messageIds));
  }

  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    if (this.closed) return Promise.reject(this.lost());
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.inflight.add(fail);
      this.client.subscribe(filter, { qos }, (err, granted) => {
        if (!this.inflight.delete(fail)) return;
        const refused = granted?.some((g) => (g.qos & 0x80) !== 0) === true;
        if (err !== null && err !== undefined && !refused) reject(new VergeError('SDK_CONNECTION_FAILED', `subscribe to '${filter}' failed: ${err.message}`, { cause: err }));
        else if (refused || err !== null) reject(new VergeError('SDK_SUBSCRIBE_FAILED', `the hub refused the subscription to '${filter}' (SUBACK 0x80)`, { details: { filter } }));
        else resolve();
      });
    });
  }

  end(graceMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closedOnPurpose = true;
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => this.client.end(true), graceMs);
      this.client.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      // mqtt.js waits only for its own packets: wait for the events' PUBACKs first (within the same grace).
      if (this.awaitingPuback.size === 0) this.client.end(false);
      else this.drained = () => this.client.end(false);
    });
  }

  destroy(): void {
    this.closedOnPurpose = true;
    this.client.end(true);
  }

  /** Called once by the client's 'close' event. */
  handleClose(lastError: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.awaitingPuback.clear();
    this.drained = undefined;
    this.client.removeAllListeners('message');
    this.client.end(true);
    const err = this.lost(lastError);
    for (const fail of this.inflight) fail(err);
    this.inflight.clear();
    this.handlers.onClose(this.closedOnPurpose ? undefined : err);
  }

  private lost(cause?: Error): VergeError {
    const why = cause === undefined ? 'the connection closed' : `the connection closed: ${cause.message}`;
    return new VergeError('SDK_CONNECTION_FAILED', `${clientIdOf(this.o)}: ${why}`, { cause });
  }

  private pubackReceived(messageId: number): void {
    const event = this.awaitingPuback.get(messageId);
    if (event === undefined) return;
    this.awaitingPuback.delete(messageId);
    this.ids.deallocate(messageId);
    event.acknowledged();
    if (this.awaitingPuback.size === 0 && this.drained !== undefined) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  private dispatch(packet: IPublishPacket): void {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let result: void | Promise<void>;
    try {
      result = this.handlers.onPublish(packet.topic, payload, packet.qos);
    } catch (e) {
      result = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (packet.qos !== 1 || packet.messageId === undefined) {
      if (result instanceof Promise) result.catch((e: unknown) => this.o.log.warn({ err: e, topic: packet.topic }, 'message handler failed'));
      return;
    }
    const ack: PendingAck = { messageId: packet.messageId, settled: 'pending' };
    this.acks.push(ack);
    Promise.resolve(result).then(
      () => {
        ack.settled = 'ok';
        this.flushAcks();
      },
      (e: unknown) => {
        this.o.log.warn({ err: e, topic: packet.topic }, 'message handler failed; dropping the connection so that the hub delivers it again');
        this.destroy();
      },
    );
  }

  private flushAcks(): void {
    while (this.acks[0]?.settled === 'ok' && !this.closed) {
      const { messageId } = this.acks.shift() as PendingAck;
      (this.client as unknown as PacketWriter)._sendPacket({ cmd: 'puback', messageId });
    }
  }
}
