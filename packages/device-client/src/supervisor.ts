import { isVergeError, VergeError } from '@verge/contracts';
import { reconnectDelayMs } from './backoff.js';
import { openConnection, type Connection } from './connection.js';
import { issueToken } from './credentials.js';
import type { ResolvedOptions } from './options.js';
import type { ConnectedEvent, ConnectedReason, DisconnectedEvent } from './types.js';

/** What the supervisor reports to the client. */
export interface SupervisorHooks {
  connected(connection: Connection, event: ConnectedEvent): void;
  disconnected(event: DisconnectedEvent): void;
  publish(topic: string, payload: Buffer, qos: number): void | Promise<void>;
}

// In-flight PUBACKs may take this long before a renewal or close() forces the old connection shut.
const DRAIN_GRACE_MS = 5_000;

/**
 * Keeps one connection up: connects, reconnects after a drop or a failed attempt with exponential backoff
 * (attempts count up until a connection succeeds; after a CONNACK refusal with the `reconnectWhenRefused` policy),
 * and renews the SAS token `tokenRenewalMarginSec` before it expires by draining the connection, sending DISCONNECT
 * and connecting again with clean=false and a new token, as the SDK does (azure-sdk-protocol.md §6). Only one
 * attempt runs at a time.
 */
export class ConnectionSupervisor {
  current: Connection | undefined;
  lastError: Error | undefined;
  private state: 'idle' | 'connecting' | 'connected' | 'renewing' | 'waiting' | 'closed' = 'idle';
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly o: ResolvedOptions,
    private readonly hooks: SupervisorHooks,
  ) {}

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  start(): void {
    if (this.state !== 'idle') return;
    void this.attemptConnect('initial');
  }

  private async attemptConnect(reason: ConnectedReason): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    let connection: Connection;
    let expirySec: number;
    try {
      const issued = await issueToken(this.o, this.abort.signal);
      expirySec = issued.expirySec;
      connection = await openConnection(this.o, issued.token, { onPublish: (t, p, q) => this.hooks.publish(t, p, q), onClose: (err) => this.closedBy(connection, err) }, this.abort.signal);
    } catch (e) {
      this.lastError = e instanceof Error ? e : new Error(String(e));
      if (this.isClosed) return;
      this.scheduleRetry('connectFailed', this.lastError);
      return;
    }
    if (this.isClosed) {
      connection.destroy();
      return;
    }
    this.current = connection;
    this.state = 'connected';
    this.attempt = 0;
    this.lastError = undefined;
    this.scheduleRenewal(expirySec);
    this.o.log.info({ reason, sessionPresent: connection.sessionPresent, host: this.o.host, port: this.o.port }, 'connected');
    this.hooks.connected(connection, { reason, sessionPresent: connection.sessionPresent });
  }

  private closedBy(connection: Connection, err: Error | undefined): void {
    if (this.current !== connection) return;
    this.current = undefined;
    clearTimeout(this.renewTimer);
    if (this.state !== 'connected') return; // renewal or close() ended it on purpose
    const error = err ?? new VergeError('SDK_CONNECTION_FAILED', 'the hub closed the connection');
    this.lastError = error;
    this.scheduleRetry('connectionLost', error);
  }

  private scheduleRetry(reason: 'connectFailed' | 'connectionLost', error: Error): void {
    this.attempt += 1;
    const policy = isVergeError(error, 'SDK_CONNECT_REFUSED') ? this.o.reconnectWhenRefused : this.o.reconnect;
    const retryInMs = reconnectDelayMs(this.attempt, policy, this.o.random);
    this.state = 'waiting';
    this.o.log.warn({ err: error, reason, attempt: this.attempt, retryInMs }, 'not connected');
    this.hooks.disconnected({ reason, error, retryInMs });
    this.retryTimer = setTimeout(() => void this.attemptConnect('reconnect'), retryInMs);
  }

  private scheduleRenewal(expirySec: number): void {
    clearTimeout(this.renewTimer);
    const dueMs = Math.max(1_000, (expirySec - this.o.tokenRenewalMarginSec) * 1000 - this.o.nowMs());
    // setTimeout holds at most 2^31-1 ms; a longer lifetime re-arms the timer.
    const delay = Math.min(dueMs, 2 ** 31 - 1);
    this.renewTimer = setTimeout(() => (delay < dueMs ? this.scheduleRenewal(expirySec) : void this.renew()), delay);
  }

  private async renew(): Promise<void> {
    const old = this.current;
    if (this.state !== 'connected' || old === undefined) return;
    this.state = 'renewing';
    // Nothing new goes out on the draining connection; in-flight events still get their PUBACK there.
    this.current = undefined;
    this.o.log.info({}, 'renewing the SAS token: reconnecting with clean=false');
    this.hooks.disconnected({ reason: 'tokenRenewal' });
    await old.end(DRAIN_GRACE_MS);
    await this.attemptConnect('tokenRenewal');
  }

  /** Stops reconnecting, drains and closes the connection. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    clearTimeout(this.renewTimer);
    this.abort.abort(new VergeError('SDK_CLIENT_CLOSED', 'the client was closed'));
    const connection = this.current;
    this.current = undefined;
    if (connection !== undefined) await connection.end(DRAIN_GRACE_MS);
    this.hooks.disconnected({ reason: 'closed' });
  }
}
