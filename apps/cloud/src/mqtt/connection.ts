import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@verge/platform';
import type { IdentityRef } from '../services/types.js';
import type { ConnectCredentials } from './authenticate.js';
import { FrameReader } from './frame-reader.js';
import type { DeviceEndpointLimits } from './limits.js';
import { PacketDecoder, encodePacket } from './packet-codec.js';
import type { Packet } from './packet-codec.js';
import type { Session } from './session-registry.js';

/** Lifecycle of one client connection. */
export type ConnectionState = 'handshake' | 'awaitingConnect' | 'connected' | 'closed';

/**
 * One client socket: TLS handshake, then MQTT. Owns the framing and decoding of what the client sends, the
 * write path (with a cap on bytes the client leaves unread), the keep-alive bookkeeping and the QoS 1 messages in
 * flight towards the client. It never throws on client input: every defect closes this connection only.
 */
export class Connection {
  state: ConnectionState = 'handshake';
  session: Session | undefined;
  /** Set once CONNECT is accepted. */
  identity: IdentityRef | undefined;
  readonly acceptedAtMs: number;
  secureAtMs = 0;
  lastPacketMs = 0;
  /** Drop the client after this long without a packet (keep-alive × grace), 0 before CONNECT. */
  idleLimitMs = 0;
  /** SAS: when the token expires (IoT Hub closes the connection then); undefined for X.509. */
  validUntilMs: number | undefined;
  /** What CONNECT presented: re-checked when the registry changes the identity (disabled, keys rotated). */
  credentials: ConnectCredentials | undefined;
  /** Outgoing QoS 1 publishes awaiting PUBACK: packet id → C2D store id. */
  readonly inflight = new Map<number, string>();
  readonly reader: FrameReader;
  readonly decoder = new PacketDecoder();
  private nextPacketId = 1;
  private closeReason: string | undefined;

  constructor(
    readonly raw: Socket,
    readonly socket: TLSSocket,
    readonly id: number,
    private readonly limits: DeviceEndpointLimits,
    private readonly log: Logger,
    nowMs: number,
  ) {
    this.acceptedAtMs = nowMs;
    this.reader = new FrameReader(() => (this.state === 'connected' ? limits.maxPacketBytes : limits.maxConnectPacketBytes));
  }

  /** `d` or `d/m` once connected; the remote address before. */
  get label(): string {
    if (this.identity === undefined) return `${this.raw.remoteAddress ?? '?'}:${this.raw.remotePort ?? '?'}`;
    return this.identity.moduleId === undefined ? this.identity.deviceId : `${this.identity.deviceId}/${this.identity.moduleId}`;
  }

  /**
   * Writes a packet. A client that leaves more than `maxWriteBufferBytes` unread is dropped, so one slow client
   * cannot make the process hold unbounded memory; others are unaffected (every socket has its own buffer).
   */
  send(packet: Packet): boolean {
    if (this.state === 'closed' || this.socket.destroyed) return false;
    if (this.socket.writableLength > this.limits.maxWriteBufferBytes) {
      this.close(`client does not read: more than ${this.limits.maxWriteBufferBytes} bytes queued`);
      return false;
    }
    this.socket.write(encodePacket(packet));
    return true;
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
   * Closes the connection. `graceful` flushes what was written (a CONNACK refusal) before closing; otherwise the
   * socket is destroyed at once. Idempotent; the first reason is the one logged.
   */
  close(reason: string, graceful = false): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.log.debug({ conn: this.id, client: this.label, reason }, 'closing connection');
    if (graceful && !this.socket.destroyed) {
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
    this.raw.destroy();
  }
}
