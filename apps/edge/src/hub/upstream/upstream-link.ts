import { isVergeError } from '@verge/contracts';
import type { DeviceClient, DeviceClientCredential, ConnectedEvent, MethodHandler, ReceivedMessage } from '@verge/device-client';
import { clientIdOf } from '@verge/iothub-mqtt';
import type { ClientIdentity } from '@verge/core';
import { RepeatedWarning } from './quiet-log.js';

/** Builds the device-client of one identity (the pool supplies hub host, gateway, CA, reconnect policy). */
export type UpstreamClientFactory = (id: ClientIdentity, credential: DeviceClientCredential) => DeviceClient;

/** Hooks of a link. */
export interface UpstreamLinkHooks {
  connected(link: UpstreamLink, event: ConnectedEvent): void;
  disconnected(link: UpstreamLink): void;
  /** The cloud refused the link's credential (CONNACK 4 or 5: keys rotated, identity disabled or gone). */
  refused(link: UpstreamLink, reason: string): void;
}

/**
 * The hub's upstream connection AS one local identity (a module with its derived key, a leaf with its own key):
 * the edge runtime architecture sends each identity's telemetry, twin and method traffic over a connection with
 * that identity's credentials (issue #4). Wraps a device-client and keeps the hub's listeners (desired patches,
 * methods, C2D) across `kick`, which replaces a client that waits in its reconnect backoff by a fresh one that
 * dials at once (the cloud is known to be back: drain without the backoff delay, iotedge PR #7528).
 */
export class UpstreamLink {
  readonly clientId: string;
  /** Last time the hub used the link (send, twin); the pool closes idle links nobody holds. */
  lastUsedMs: number;
  /** When the pool last looked up the link's credential (see `UpstreamPool.forSending`). */
  credentialCheckedMs: number;
  /** Local clients (MQTT sessions) holding the link open. */
  holders = 0;
  /** A local client held it once: when the last one goes, the link closes after a short grace. */
  everHeld = false;
  /** Thins the pool's warning about the cloud refusing this link's credential (one per reason per minute). */
  readonly refusalWarning = new RepeatedWarning();
  private client: DeviceClient;
  private offClient: (() => void)[] = [];
  private desired: ((patch: Record<string, unknown>, version: number | undefined) => void) | undefined;
  private method: MethodHandler | undefined;
  private c2d: ((message: ReceivedMessage) => Promise<void>) | undefined;
  private closed = false;
  /** The client waits in its reconnect backoff (its last attempt failed or the connection dropped). */
  private backingOff = false;
  /** Why the cloud refused the credential at the last attempt (cleared when a connection succeeds). */
  private refusedReason: string | undefined;

  constructor(
    readonly id: ClientIdentity,
    /** Identifies the credential the link was made with (a new module generation needs a new link). */
    readonly credentialKey: string,
    private readonly credential: DeviceClientCredential,
    private readonly factory: UpstreamClientFactory,
    private readonly hooks: UpstreamLinkHooks,
    nowMs: number,
  ) {
    this.clientId = clientIdOf(id);
    this.lastUsedMs = nowMs;
    this.credentialCheckedMs = nowMs;
    this.client = this.build();
  }

  get connected(): boolean {
    return !this.closed && this.client.connected;
  }

  /** Set while the cloud refuses this identity's credential (the last attempt got CONNACK 4 or 5). */
  get refusal(): string | undefined {
    return this.connected ? undefined : this.refusedReason;
  }

  /** The current device-client (replaced by `kick`: do not keep it). */
  get current(): DeviceClient {
    return this.client;
  }

  /** Starts connecting (idempotent); the client retries on its own. */
  start(): void {
    if (this.closed) return;
    this.client.connect().catch(() => undefined); // failures are retried by the client; 'connected' tells success
  }

  /** Resolves true once connected, false after `timeoutMs` or when closed. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return true;
    if (this.closed) return false;
    this.start();
    try {
      await this.client.connect({ timeoutMs });
      return this.connected;
    } catch {
      return false;
    }
  }

  /** Replaces a client that waits in its reconnect backoff by a new one that dials now. */
  kick(): void {
    if (this.closed || this.client.connected || !this.backingOff) return;
    this.backingOff = false;
    const old = this.client;
    for (const off of this.offClient.splice(0)) off();
    void old.close().catch(() => undefined);
    this.client = this.build();
    this.start();
  }

  setDesiredListener(listener: ((patch: Record<string, unknown>, version: number | undefined) => void) | undefined): void {
    const first = this.desired === undefined && listener !== undefined;
    this.desired = listener;
    if (first) this.offClient.push(this.client.onDesiredPatch((p, v) => this.desired?.(p, v)));
  }

  setMethodHandler(handler: MethodHandler | undefined): void {
    const first = this.method === undefined && handler !== undefined;
    this.method = handler;
    if (first) this.offClient.push(this.client.onMethod((req) => this.answerMethod(req)));
  }

  setC2dListener(listener: ((message: ReceivedMessage) => Promise<void>) | undefined): void {
    const first = this.c2d === undefined && listener !== undefined;
    this.c2d = listener;
    if (first && this.id.moduleId === undefined) this.offClient.push(this.client.onC2d((m) => this.deliverC2d(m)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offClient.splice(0)) off();
    await this.client.close();
  }

  private build(): DeviceClient {
    const client = this.factory(this.id, this.credential);
    this.offClient.push(
      client.on('connected', (e) => {
        this.backingOff = false;
        this.refusedReason = undefined;
        this.hooks.connected(this, e);
      }),
      client.on('disconnected', (e) => {
        this.backingOff = e.retryInMs !== undefined;
        const code = isVergeError(e.error, 'SDK_CONNECT_REFUSED') ? (e.error.details as { returnCode?: unknown } | undefined)?.returnCode : undefined;
        if (code === 4 || code === 5) {
          this.refusedReason = e.error?.message ?? `CONNACK ${String(code)}`;
          this.hooks.refused(this, this.refusedReason);
        }
        this.hooks.disconnected(this);
      }),
      client.on('error', () => undefined), // the client logs its own errors
    );
    if (this.desired !== undefined) this.offClient.push(client.onDesiredPatch((p, v) => this.desired?.(p, v)));
    if (this.method !== undefined) this.offClient.push(client.onMethod((req) => this.answerMethod(req)));
    if (this.c2d !== undefined && this.id.moduleId === undefined) this.offClient.push(client.onC2d((m) => this.deliverC2d(m)));
    return client;
  }

  private answerMethod(req: Parameters<MethodHandler>[0]): ReturnType<MethodHandler> {
    const handler = this.method;
    if (handler === undefined) return { status: 404, payload: { message: `${this.clientId} is not connected to the edge hub` } };
    return handler(req);
  }

  private deliverC2d(message: ReceivedMessage): Promise<void> {
    const listener = this.c2d;
    // Rejecting withholds the PUBACK (the device-client drops the connection so the cloud delivers again later).
    if (listener === undefined) return Promise.reject(new Error(`${this.clientId} is not connected to the edge hub`));
    return listener(message);
  }
}
