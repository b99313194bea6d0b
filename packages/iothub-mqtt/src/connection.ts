import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import { topics } from '@verge/contracts';
import type { ConnectCredentials, PeerCertificate } from './authenticate.js';
import { FrameReader } from './frame-reader.js';
import type { IotHubMqttLimits } from './limits.js';
import { PacketDecoder, encodePacket } from './packet-codec.js';
import { encodePublishFrame } from './packet-encoder.js';
import type { Packet } from './packet-codec.js';
import { PublishTopicCache } from './publish-topic-cache.js';
import { addressKey } from './remote-address.js';
import type { Session } from './session-registry.js';
import type { StreamMeta } from './stream-meta.js';
import type { WillMessage } from './will-message.js';
import { clientIdOf } from './types.js';
import { WriteBatch } from './write-batch.js';

/** Lifecycle of one client connection. */
export type ConnectionState = 'handshake' | 'awaitingConnect' | 'connected' | 'closed';

/**
 * One client stream (a TLS socket, a WebSocket, an in-memory pair in tests): for TLS the handshake, then MQTT. Owns the framing and decoding of what the client sends, the
 * write path (with a cap on bytes the client leaves unread), the keep-alive bookkeeping, the QoS 1 messages in
 * flight towards the client, and backpressure on inbound publishes a handler has not acknowledged yet. It never
 * throws on client input: every defect closes this connection only.
 */
export class Connection {
  state: ConnectionState = 'handshake';
  session: Session | undefined;
  /** Set once CONNECT is accepted. */
  identity: ClientIdentity | undefined;
  readonly acceptedAtMs: number;
  /** The remote address as per-address admission limits count it (`addressKey`). */
  readonly address: string;
  secureAtMs = 0;
  lastPacketMs = 0;
  /** Drop the client after this long without a packet (keep-alive × grace), 0 before CONNECT. */
  idleLimitMs = 0;
  /** SAS: when the token expires (IoT Hub closes the connection then); undefined for X.509. */
  validUntilMs: number | undefined;
  /** What CONNECT presented: re-checked when the registry changes the identity (disabled, keys rotated). */
  credentials: ConnectCredentials | undefined;
  /** The will of CONNECT: sent as the client's telemetry if the connection ends without DISCONNECT (cleared by DISCONNECT). */
  will: WillMessage | undefined;
  /** The client certificate of TLS client authentication (set once the handshake finished), if any. */
  peerCertificate: PeerCertificate | undefined;
  /**
   * Set while CONNECT is decided asynchronously (the backend's authentication or the session store answers later):
   * the socket is not read and frames already read wait (`stream-attach.ts`); settles once decided, then cleared.
   */
  pendingConnect: Promise<void> | undefined;
  /** Outgoing QoS 1 publishes awaiting PUBACK: packet id → the handler's tag for it. */
  readonly inflight = new Map<number, string>();
  readonly reader: FrameReader;
  readonly decoder = new PacketDecoder();
  /** The last telemetry topic this client published to, authorized (see `PublishTopicCache`). */
  readonly publishTopics = new PublishTopicCache();
  private nextPacketId = 1;
  private closeReason: string | undefined;
  private readingStopped = false;
  private pendingInbound = 0;
  private paused = false;
  /** Frames of this tick, written as one at its end: one TLS record and one syscall for all of them (issue 8). */
  private readonly batch: WriteBatch;
  private readonly closeListeners: (() => void)[] = [];
  private bytesIn = 0;
  /** Twin GETs of this client not answered yet, and the desired patches waiting behind them (see `publishDesiredPatch`). */
  private twinGetsOpen = 0;
  private heldDesiredPatches: Buffer[] = [];

  /**
   * `socket` is the stream MQTT is read from and written to; `raw`, for TLS, the TCP socket under it (its byte
   * count includes the handshake, and closing destroys it too).
   */
  constructor(
    readonly socket: Duplex,
    readonly meta: StreamMeta,
    readonly id: number,
    private readonly limits: IotHubMqttLimits,
    private readonly log: Logger,
    nowMs: number,
    private readonly raw?: Socket,
  ) {
    this.acceptedAtMs = nowMs;
    this.address = addressKey(meta.remoteAddress);
    this.peerCertificate = meta.peerCertificate;
    this.batch = new WriteBatch(socket);
    this.reader = new FrameReader(() => (this.state === 'connected' ? limits.maxPacketBytes : limits.maxConnectPacketBytes));
  }

  /** `d` or `d/m` once connected; the remote address before. */
  get label(): string {
    if (this.identity === undefined) return `${this.meta.remoteAddress ?? '?'}:${this.meta.remotePort ?? '?'}`;
    return clientIdOf(this.identity);
  }

  /** Bytes received so far (for TLS the socket's, handshake records included): 0 for a client that never sent anything. */
  get receivedBytes(): number {
    return this.raw?.bytesRead ?? this.bytesIn;
  }

  /** Counts bytes read from the stream (see `receivedBytes`). */
  countReceived(bytes: number): void {
    this.bytesIn += bytes;
  }

  /** True while CONNECT was accepted and the connection is not closing. */
  get isOpen(): boolean {
    return this.state === 'connected' && !this.closing;
  }

  /**
   * Writes a packet. A client that leaves more than `maxWriteBufferBytes` unread is dropped, so one slow client
   * cannot make the process hold unbounded memory; others are unaffected (every socket has its own buffer).
   */
  send(packet: Packet): boolean {
    return this.writable() && this.queue(encodePacket(packet));
  }

  /** Publishes with QoS 0. */
  publish0(topic: string, payload: Buffer): boolean {
    return this.writable() && this.queue(encodePublishFrame(topic, payload, 0, 0));
  }

  /**
   * Publishes a desired-properties patch (QoS 0, `$iothub/twin/PATCH/properties/desired/?$version=…`). While a twin
   * GET of this client waits for its answer, the patch waits behind it: the GET may answer with a twin read before
   * the patch was made, and sent after the patch it would take the client's desired properties back to the older
   * version (the Azure SDK replaces them with every GET answer; a patch after the answer is applied on top of it).
   * The body is the patch with its `$version`, as IoT Hub sends it.
   */
  publishDesiredPatch(patch: Readonly<Record<string, unknown>>, version: number): boolean {
    const payload = Buffer.from(JSON.stringify({ ...patch, $version: version }), 'utf8');
    const frame = encodePublishFrame(topics.twinDesiredPatch(version), payload, 0, 0);
    if (this.twinGetsOpen > 0) {
      this.heldDesiredPatches.push(frame);
      return this.writable();
    }
    return this.writable() && this.queue(frame);
  }

  /** A twin GET of this client came in: desired patches wait until its answer is written ({@link twinGetAnswered}). */
  twinGetOpened(): void {
    this.twinGetsOpen += 1;
  }

  /** The answer of a twin GET was written: once none is open, the patches held behind them go out in order. */
  twinGetAnswered(): void {
    this.twinGetsOpen -= 1;
    if (this.twinGetsOpen > 0 || this.heldDesiredPatches.length === 0) return;
    const held = this.heldDesiredPatches;
    this.heldDesiredPatches = [];
    for (const frame of held) if (!(this.writable() && this.queue(frame))) return;
  }

  /**
   * Publishes with QoS 1 and records `tag` as in flight under a fresh packet id (returned), or undefined when the
   * client cannot take it (closed, or `maxInflightToClient` reached). The handler's `puback` hook gets the id back.
   */
  publish1(topic: string, payload: Buffer, tag: string): number | undefined {
    if (!this.isOpen || this.inflight.size >= this.limits.maxInflightToClient || !this.writable()) return undefined;
    const packetId = this.allocatePacketId();
    if (!this.queue(encodePublishFrame(topic, payload, 1, packetId))) return undefined;
    this.inflight.set(packetId, tag);
    return packetId;
  }

  /** Acknowledges an inbound QoS 1 publish. */
  puback(messageId: number): void {
    if (this.writable() && this.hasRoom()) this.batch.addPuback(messageId);
  }

  /** False once the connection is closing or closed: nothing more is written. */
  private writable(): boolean {
    return this.state !== 'closed' && !this.socket.destroyed && this.closeReason === undefined;
  }

  /**
   * Queues a frame for this tick's write (see `WriteBatch`); a client that leaves more than `maxWriteBufferBytes`
   * unread (the socket's buffer and this tick's frames) is dropped instead.
   */
  private queue(frame: Buffer): boolean {
    if (!this.hasRoom()) return false;
    this.batch.add(frame);
    return true;
  }

  private hasRoom(): boolean {
    if (this.socket.writableLength + this.batch.pendingBytes <= this.limits.maxWriteBufferBytes) return true;
    this.close(`client does not read: more than ${this.limits.maxWriteBufferBytes} bytes queued`);
    return false;
  }

  /** A packet id (1..65535) not in use by an in-flight publish (MQTT-2.3.1-2). */
  allocatePacketId(): number {
    for (let i = 0; i < 65_535; i++) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 65_535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
    throw new Error('no free packet id'); // unreachable: in-flight publishes are capped far below 65535
  }

  /**
   * A handler holds an inbound publish while it works on it asynchronously (e.g. persisting it before PUBACK).
   * Beyond `maxPendingInboundAcks` held at once, the socket stops being read until `releaseInbound` catches up:
   * the client slows to the server's pace instead of the server buffering without bound.
   */
  holdInbound(): void {
    this.pendingInbound += 1;
    if (!this.paused && this.pendingInbound >= this.limits.maxPendingInboundAcks) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Ends one `holdInbound`. */
  releaseInbound(): void {
    this.pendingInbound = Math.max(0, this.pendingInbound - 1);
    if (this.paused && this.pendingInbound < this.limits.maxPendingInboundAcks) {
      this.paused = false;
      if (!this.socket.destroyed && !this.readingStopped) this.socket.resume();
    }
  }

  /** Stops reading while CONNECT is decided (see `pendingConnect`), whatever inbound backpressure does meanwhile. */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Reads again once CONNECT was decided, unless inbound backpressure (`holdInbound`) keeps the socket paused. */
  resumeReading(): void {
    if (!this.paused && !this.socket.destroyed && !this.readingStopped) this.socket.resume();
  }

  /** Stops reading for good (a draining server): nothing resumes it; the connection only writes until it closes. */
  stopReading(): void {
    this.readingStopped = true;
    this.socket.pause();
  }

  /** Inbound publishes held by the handler. */
  get pendingInboundCount(): number {
    return this.pendingInbound;
  }

  /** Runs `listener` once when the socket has closed (immediately if it already has). */
  onClose(listener: () => void): void {
    if (this.state === 'closed') listener();
    else this.closeListeners.push(listener);
  }

  /** Called by the acceptor when the socket closed. */
  markClosed(): void {
    this.state = 'closed';
    for (const l of this.closeListeners.splice(0)) {
      try {
        l();
      } catch (err) {
        this.log.error({ err, client: this.label }, 'connection close listener failed');
      }
    }
  }

  /**
   * Closes the connection of an identity that may no longer connect (deleted, disabled, its credentials no longer
   * accepted): its will is discarded, since that identity may no longer send anything.
   */
  revoke(reason: string): void {
    this.will = undefined;
    this.close(reason);
  }

  /**
   * Closes the connection. `graceful` flushes what was written (a CONNACK refusal) before closing; otherwise the
   * socket is destroyed at once. Idempotent; the first reason is the one logged.
   */
  close(reason: string, graceful = false): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.log.debug({ conn: this.id, client: this.label, reason }, 'closing connection');
    if (graceful && !this.socket.destroyed) {
      this.batch.flush(); // what was written before the close goes out first (PUBACKs, a CONNACK refusal)
      this.socket.end();
      // A peer that never reads would keep the socket half-open: destroy it after a short grace period.
      setTimeout(() => this.destroy(), 2000).unref();
    } else {
      this.destroy();
    }
  }

  /** Why the server closed the connection (undefined: open, or closed by the client or the network). */
  get reason(): string | undefined {
    return this.closeReason;
  }

  /** True once `close` was called: no further packet of this client is processed. */
  get closing(): boolean {
    return this.closeReason !== undefined || this.state === 'closed';
  }

  private destroy(): void {
    this.socket.destroy();
    this.raw?.destroy();
  }
}
