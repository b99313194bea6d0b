import { parseSubscription, type Subscription } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { Connection } from './connection.js';
import type { MqttSessionState, MqttSessionStore } from './types.js';

/** One granted subscription of a session. */
export interface SessionSubscription {
  readonly filter: string;
  readonly parsed: Subscription;
  readonly qos: 0 | 1;
}

/** An MQTT session: the identity's subscriptions, kept across connections when the client asked for clean=false. */
export interface Session {
  readonly clientId: string;
  readonly identity: ClientIdentity;
  readonly persistent: boolean;
  readonly subscriptions: Map<string, SessionSubscription>;
  /** The live connection, if any. */
  connection: Connection | undefined;
}

/** True when the session holds a subscription of `kind`. */
export function isSubscribed(session: Session, kind: Subscription['kind']): boolean {
  for (const s of session.subscriptions.values()) if (s.parsed.kind === kind) return true;
  return false;
}

/** The filter as a subscription, or undefined when it is not one of the surface (a stored filter from an older version). */
export function parseStoredFilter(filter: string): Subscription | undefined {
  try {
    return parseSubscription(filter);
  } catch {
    return undefined;
  }
}

/**
 * Sessions by client id. Persistent sessions (clean=false, what the SDK always sends, azure-sdk-protocol.md §0.3)
 * keep their subscriptions across DISCONNECT/CONNECT (token renewal) and across drops. With a `store`,
 * subscriptions are written through on every change and a session is reloaded on CONNECT, so they also survive a
 * restart of the server; disconnected sessions are then not kept in memory. Without one, sessions live in memory
 * only. A clean session is discarded on disconnect (MQTT-3.1.2-6).
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly store: MqttSessionStore | undefined) {}

  /** The session of a client id, if it is in memory (every connected client's is). */
  get(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  /** The live, open connection of a client id. */
  connectionOf(clientId: string): Connection | undefined {
    const conn = this.sessions.get(clientId)?.connection;
    return conn !== undefined && conn.isOpen ? conn : undefined;
  }

  /** Opens the session for a new connection; `present` is CONNACK's session-present flag (MQTT-3.2.2-2). */
  open(clientId: string, identity: ClientIdentity, clean: boolean): { session: Session; present: boolean } {
    if (clean) {
      this.sessions.delete(clientId);
      this.store?.save(clientId, undefined);
      const session = newSession(clientId, identity, false);
      this.sessions.set(clientId, session);
      return { session, present: false };
    }
    const live = this.sessions.get(clientId);
    if (live !== undefined && live.persistent) return { session: live, present: true };
    const stored = this.store?.load(clientId);
    const session = newSession(clientId, identity, true);
    for (const s of stored?.subscriptions ?? []) {
      const parsed = parseStoredFilter(s.filter);
      if (parsed !== undefined) session.subscriptions.set(s.filter, { filter: s.filter, parsed, qos: s.qos });
    }
    this.sessions.set(clientId, session);
    return { session, present: stored !== undefined };
  }

  /** Records a granted subscription (replacing one with the same filter, MQTT-3.8.4-3). */
  subscribe(session: Session, sub: SessionSubscription): void {
    session.subscriptions.set(sub.filter, sub);
    this.persist(session);
  }

  /** Removes a subscription; true when it existed. */
  unsubscribe(session: Session, filter: string): boolean {
    const had = session.subscriptions.delete(filter);
    if (had) this.persist(session);
    return had;
  }

  /** Called when the session's connection ended. */
  release(session: Session): void {
    session.connection = undefined;
    if (!session.persistent || this.store !== undefined) this.sessions.delete(session.clientId);
  }

  /** Drops a session from memory and from the store (its identity was deleted). */
  forget(session: Session): void {
    this.sessions.delete(session.clientId);
    this.store?.save(session.clientId, undefined);
  }

  /** Every session in memory (connected ones included). */
  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  private persist(session: Session): void {
    if (!session.persistent) return;
    const state: MqttSessionState = { subscriptions: [...session.subscriptions.values()].map((s) => ({ filter: s.filter, qos: s.qos })) };
    this.store?.save(session.clientId, state);
  }
}

function newSession(clientId: string, identity: ClientIdentity, persistent: boolean): Session {
  return { clientId, identity, persistent, subscriptions: new Map(), connection: undefined };
}
