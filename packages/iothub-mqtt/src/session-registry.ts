import { parseSubscription, type Subscription } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { Logger } from '@verge/platform';
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

/** What CONNECT read from the store for a persistent session before opening it (see `SessionRegistry.prepareOpen`). */
export interface StoredSession {
  readonly state: MqttSessionState | undefined;
}

/** True when the session holds a subscription of `kind`. */
export function isSubscribed(session: Session, kind: Subscription['kind']): boolean {
  return grantedQos(session, kind) !== undefined;
}

/**
 * The highest QoS granted to the session's subscriptions of `kind`, undefined without one: deliveries to it go out
 * at most at that QoS (MQTT-3.8.4-6).
 */
export function grantedQos(session: Session, kind: Subscription['kind']): 0 | 1 | undefined {
  let qos: 0 | 1 | undefined;
  for (const s of session.subscriptions.values()) {
    if (s.parsed.kind !== kind) continue;
    if (s.qos === 1) return 1;
    qos = 0;
  }
  return qos;
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
 * only. A clean session is discarded on disconnect (MQTT-3.1.2-6). A store may answer with promises (see
 * `MqttSessionStore`); a rejected save is logged to `log`.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /** Per client id, the last CONNECT between its asynchronous store read and its `open` (see `prepareOpen`). */
  private readonly opening = new Map<string, Promise<unknown>>();
  /** Per client id, the store write in flight and the latest state waiting behind it (see `save`). */
  private readonly writing = new Map<string, StoreWrite>();

  constructor(
    private readonly store: MqttSessionStore | undefined,
    private readonly log?: Logger,
  ) {}

  /** The session of a client id, if it is in memory (every connected client's is). */
  get(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  /** The live, open connection of a client id. */
  connectionOf(clientId: string): Connection | undefined {
    const conn = this.sessions.get(clientId)?.connection;
    return conn !== undefined && conn.isOpen ? conn : undefined;
  }

  /**
   * Reads what opening the session of `clientId` needs from the store (nothing for a clean session, a live
   * persistent one or without a store), then calls `then` with it, which opens the session (`open`): at once when
   * the store answers synchronously and no earlier CONNECT of this client id is still reading; otherwise later,
   * once the read settled and every earlier CONNECT of this client id ran its `then`, so that no CONNECT opens a
   * session from a read that an earlier one made stale (a clean start deleting it, a take-over).
   */
  prepareOpen<T>(clientId: string, clean: boolean, then: (stored: StoredSession | undefined) => T): T | Promise<T> {
    const earlier = this.opening.get(clientId);
    if (earlier === undefined) {
      const read = this.readStored(clientId, clean);
      return read instanceof Promise ? this.track(clientId, read.then(then)) : then(read);
    }
    const after = (): T | Promise<T> => {
      const read = this.readStored(clientId, clean);
      return read instanceof Promise ? read.then(then) : then(read);
    };
    return this.track(clientId, earlier.then(after, after));
  }

  /**
   * Opens the session for a new connection; `present` is CONNACK's session-present flag (MQTT-3.2.2-2). `stored`
   * is what `prepareOpen` read; without it a store that answers with a promise cannot be read (a programming error).
   */
  open(clientId: string, identity: ClientIdentity, clean: boolean, stored?: StoredSession): { session: Session; present: boolean } {
    if (clean) {
      this.sessions.delete(clientId);
      this.save(clientId, undefined);
      const session = newSession(clientId, identity, false);
      this.sessions.set(clientId, session);
      return { session, present: false };
    }
    const live = this.sessions.get(clientId);
    if (live !== undefined && live.persistent) return { session: live, present: true };
    const state = stored === undefined ? this.loadNow(clientId) : stored.state;
    const session = newSession(clientId, identity, true);
    for (const s of state?.subscriptions ?? []) {
      const parsed = parseStoredFilter(s.filter);
      if (parsed !== undefined) session.subscriptions.set(s.filter, { filter: s.filter, parsed, qos: s.qos });
    }
    this.sessions.set(clientId, session);
    return { session, present: state !== undefined };
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
    // A clean start of the same client id replaced this session (take-over): the new one stays.
    if (this.sessions.get(session.clientId) !== session) return;
    if (!session.persistent || this.store !== undefined) this.sessions.delete(session.clientId);
  }

  /** Drops a session from memory and from the store (its identity was deleted). */
  forget(session: Session): void {
    this.sessions.delete(session.clientId);
    this.save(session.clientId, undefined);
  }

  /** Deletes the stored session of a client id that may not be in memory (its identity was deleted), in order with the writes before it. */
  forgetStored(clientId: string): void {
    this.save(clientId, undefined);
  }

  /** Settles once the store writes made so far (of `clientId`, or of every client id) are done: a server awaits it before closing its store. */
  async flushed(clientId?: string): Promise<void> {
    if (clientId !== undefined) await this.writing.get(clientId)?.settled;
    else await Promise.all([...this.writing.values()].map((w) => w.settled));
  }

  /** Every session in memory (connected ones included). */
  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  private persist(session: Session): void {
    if (!session.persistent) return;
    const state: MqttSessionState = { subscriptions: [...session.subscriptions.values()].map((s) => ({ filter: s.filter, qos: s.qos })) };
    this.save(session.clientId, state);
  }

  /**
   * Writes through to the store, not awaited; a rejection is logged. A store that answers with a promise may run
   * two writes at once (a pool of database connections) and land them in either order, so a client id has at most
   * one write in flight: a state saved meanwhile waits behind it, replacing any older state waiting there (each
   * write is the whole session), and the last state saved is the one that stays.
   */
  private save(clientId: string, state: MqttSessionState | undefined): void {
    const queued = this.writing.get(clientId);
    if (queued !== undefined) {
      queued.next = { state };
      return;
    }
    const saving = this.store?.save(clientId, state);
    if (!(saving instanceof Promise)) return;
    const write: StoreWrite = { next: undefined, settled: Promise.resolve() };
    this.writing.set(clientId, write);
    write.settled = this.drain(clientId, write, saving);
  }

  private async drain(clientId: string, write: StoreWrite, first: Promise<void>): Promise<void> {
    let saving: void | Promise<void> = first;
    for (;;) {
      try {
        await saving;
      } catch (err) {
        this.log?.error({ err, client: clientId }, 'MQTT session could not be saved');
      }
      const next = write.next;
      if (next === undefined) break;
      write.next = undefined;
      try {
        saving = this.store?.save(clientId, next.state);
      } catch (err) {
        saving = Promise.reject(err);
      }
    }
    this.writing.delete(clientId);
  }

  /** What `open` must read from the store (undefined: nothing to read), at once or with a promise; after the writes in flight. */
  private readStored(clientId: string, clean: boolean): StoredSession | undefined | Promise<StoredSession> {
    const store = this.store;
    if (clean || store === undefined || this.sessions.get(clientId)?.persistent === true) return undefined;
    const load = (): StoredSession | Promise<StoredSession> => {
      const loaded = store.load(clientId);
      return loaded instanceof Promise ? loaded.then((state) => ({ state })) : { state: loaded };
    };
    const writing = this.writing.get(clientId);
    return writing === undefined ? load() : writing.settled.then(load);
  }

  private loadNow(clientId: string): MqttSessionState | undefined {
    const loaded = this.store?.load(clientId);
    if (!(loaded instanceof Promise)) return loaded;
    loaded.catch(() => undefined); // not awaited: the error below is the one to report
    throw new Error(`SessionRegistry.open: the store answers asynchronously; open the session of '${clientId}' through prepareOpen`);
  }

  /** Remembers `p` as the last CONNECT of `clientId` still reading, until it settles. */
  private track<T>(clientId: string, p: Promise<T>): Promise<T> {
    this.opening.set(clientId, p);
    const done = (): void => {
      if (this.opening.get(clientId) === p) this.opening.delete(clientId);
    };
    p.then(done, done);
    return p;
  }
}

/** A client id's store write in flight (`settled` once none is left) and the state to write after it. */
interface StoreWrite {
  next: { readonly state: MqttSessionState | undefined } | undefined;
  settled: Promise<void>;
}

function newSession(clientId: string, identity: ClientIdentity, persistent: boolean): Session {
  return { clientId, identity, persistent, subscriptions: new Map(), connection: undefined };
}
