import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import rhea, { type Connection, type Delivery, type EventContext, type Message, type Sender } from 'rhea';
import { VergeError } from '@verge/contracts';
import { IOT_HUB_SAS_CLOCK_SKEW_SEC, parseSasToken } from '@verge/core';
import type { Logger } from '@verge/platform';
import { assertRight, authenticateService } from '../http/service-auth.js';
import type { C2dService } from '../services/c2d-service.js';
import type { ServiceBoundQueue } from '../store/ports.js';
import type { C2dFeedbackRecord, FileNotificationRecord, PolicyRecord } from '../store/records.js';
import { FEEDBACK_FORMAT, FILE_NOTIFICATION_FORMAT, ServiceBoundSender, type ServiceBoundFormat, type ServiceBoundSenderOptions } from './service-bound-sender.js';
import { readC2dMessage } from './amqp-c2d-message.js';
import { amqpConditionOf, type AmqpCondition } from './amqp-conditions.js';
import { cbsResponse, readPutToken } from './cbs.js';
import { SettlePacer } from './settle-pacer.js';

/** The nodes (link addresses) of IoT Hub's service AMQP surface. */
export const AMQP_NODES = {
  cbs: '$cbs',
  c2d: '/messages/devicebound',
  feedback: '/messages/serviceBound/feedback',
  fileNotifications: '/messages/serviceBound/filenotifications',
} as const;

/** Bounds of the AMQP listener. */
export interface AmqpEndpointLimits {
  /** A TLS handshake not done by then is dropped. */
  readonly tlsHandshakeTimeoutMs: number;
  /** A connection that has put no valid token on `$cbs` by then is closed (IoT Hub allows about a minute). */
  readonly authenticateWithinMs: number;
  /** AMQP idle time-out announced to clients (IoT Hub's is 240 s); a silent connection is closed after it. */
  readonly idleTimeoutMs: number;
  /** Messages a sender may have unsettled on the C2D link (link credit). */
  readonly creditWindow: number;
}

export const DEFAULT_AMQP_LIMITS: AmqpEndpointLimits = { tlsHandshakeTimeoutMs: 10_000, authenticateWithinMs: 60_000, idleTimeoutMs: 240_000, creditWindow: 100 };

/** What the AMQP endpoint needs of the cloud. */
export interface AmqpEndpointOptions {
  readonly host: string;
  readonly port: number;
  /** The hub host name: tokens' audience (`sr`) must name it, alone or with this listener's port. */
  readonly hostName: string;
  readonly tls: { readonly key: string; readonly cert: string };
  readonly findPolicy: (name: string) => Promise<PolicyRecord | undefined>;
  readonly c2d: C2dService;
  /** Delivery feedback of C2D messages sent with `iothub-ack`, served on `/messages/serviceBound/feedback`. */
  readonly feedback: ServiceBoundQueue<C2dFeedbackRecord>;
  /** Notifications of successful file uploads, served on `/messages/serviceBound/filenotifications`. */
  readonly fileNotifications: ServiceBoundQueue<FileNotificationRecord>;
  readonly serviceBoundSender?: ServiceBoundSenderOptions;
  readonly nowMs: () => number;
  readonly log: Logger;
  readonly limits?: Partial<AmqpEndpointLimits>;
}

/** The service-side AMQP listener (see {@link createAmqpEndpoint}). */
export interface AmqpEndpoint {
  /** Listens; resolves with the bound port. */
  start(): Promise<number>;
  setTls(tls: { readonly key: string; readonly cert: string }): void;
  /** Runs AMQP on a WebSocket the HTTPS listener accepted (subprotocol AMQPWSB10: azure-iothub's `AmqpWs`). */
  acceptWebSocket(ws: WebSocket): void;
  /** Stops listening and closes every connection (`amqp:connection:forced`). */
  stop(): Promise<void>;
}

/** What ends a connection's transport at shutdown. */
interface Closable {
  destroy(): void;
}

// rhea's adapter from a WebSocket to the socket interface its connections read (what `websocket_accept` uses).
const { wrap: wrapWebSocket } = createRequire(import.meta.url)('rhea/lib/ws.js') as { wrap(ws: WebSocket): unknown };

/** What a connection has proven: the policy of its last accepted token and until when that token holds. */
interface ConnectionAuth {
  policy: PolicyRecord | undefined;
  acceptedUntilMs: number;
  cbsReplies: Sender | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Outcomes of this connection's deliveries, one per turn (see SettlePacer). */
  readonly outcomes: SettlePacer;
}

/**
 * IoT Hub's service-side AMQP 1.0 surface over TLS (port 5671), so azure-iothub's `Client.send` runs unmodified:
 * claims-based security (a put-token of a shared access policy's SAS on `$cbs`, renewed by the SDK before it expires;
 * a connection whose token lapses is closed, as IoT Hub does) and the C2D node `/messages/devicebound`, each message
 * queued through the C2D service (the same checks, limits and errors as the REST route), accepted once stored or
 * rejected with the AMQP condition IoT Hub uses. The protocol is rhea's; TLS, timers and the nodes are ours.
 * The service-bound nodes send what waits in their store queues (`ServiceBoundSender`): `/messages/serviceBound/feedback`
 * the delivery feedback of messages sent with `iothub-ack`, `/messages/serviceBound/filenotifications` the
 * notifications of successful file uploads.
 */
export function createAmqpEndpoint(o: AmqpEndpointOptions): AmqpEndpoint {
  const limits = { ...DEFAULT_AMQP_LIMITS, ...o.limits };
  const log = o.log.child({ component: 'amqp' });
  const container = rhea.create_container({ id: `verge-${o.hostName}` });
  const auth = new WeakMap<Connection, ConnectionAuth>();
  const serviceBound = new Map<Sender, ServiceBoundSender<unknown>>();
  const nodes = new Map<string, { readonly queue: ServiceBoundQueue<unknown>; readonly format: ServiceBoundFormat<unknown> }>([
    [AMQP_NODES.feedback, { queue: o.feedback, format: FEEDBACK_FORMAT }],
    [AMQP_NODES.fileNotifications, { queue: o.fileNotifications, format: FILE_NOTIFICATION_FORMAT }],
  ]);
  const c2dChains = new WeakMap<object, Promise<void>>();
  const open = new Map<Closable, Connection>();
  let boundPort = o.port;
  const server: TlsServer = createTlsServer({ key: o.tls.key, cert: o.tls.cert, minVersion: 'TLSv1.2', handshakeTimeout: limits.tlsHandshakeTimeoutMs });

  const closeConnection = (connection: Connection, error: AmqpCondition): void => {
    log.info({ reason: error.description }, 'closing an AMQP connection');
    connection.close(error);
  };
  const armTimer = (connection: Connection, state: ConnectionAuth): void => {
    clearTimeout(state.timer);
    const waitMs = Math.max(0, state.acceptedUntilMs - o.nowMs());
    state.timer = setTimeout(() => {
      // A timer holds at most 24.8 days: a token valid longer is looked at again then.
      if (o.nowMs() < state.acceptedUntilMs) return armTimer(connection, state);
      const reason = state.policy === undefined ? `no valid token was put on ${AMQP_NODES.cbs} within ${limits.authenticateWithinMs} ms of connecting` : 'the token put on $cbs expired and was not renewed';
      closeConnection(connection, { condition: 'amqp:unauthorized-access', description: reason });
    }, Math.min(waitMs, 2 ** 31 - 1));
    state.timer.unref();
  };

  /** Runs AMQP on `transport` (a TLS socket, or a WebSocket wrapped by rhea); `handle` ends it at shutdown. */
  const adopt = (transport: unknown, handle: Closable, onClose: (listener: () => void) => void): void => {
    const connection = container.create_connection({ autoaccept: false, autosettle: true, credit_window: limits.creditWindow, idle_time_out: limits.idleTimeoutMs, container_id: container.id } as never) as Connection & { accept(s: unknown): void };
    const state: ConnectionAuth = { policy: undefined, acceptedUntilMs: o.nowMs() + limits.authenticateWithinMs, cbsReplies: undefined, timer: undefined, outcomes: new SettlePacer() };
    auth.set(connection, state);
    open.set(handle, connection);
    onClose(() => {
      open.delete(handle);
      clearTimeout(state.timer);
    });
    armTimer(connection, state);
    connection.accept(transport);
  };
  server.on('secureConnection', (socket: TLSSocket) => adopt(socket, socket, (listener) => socket.on('close', listener)));
  server.on('tlsClientError', (err) => log.debug({ err }, 'AMQP TLS handshake failed'));

  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender as Sender;
    const address = (sender as unknown as { remote: { attach?: { source?: { address?: string } } } }).remote.attach?.source?.address;
    const state = auth.get(context.connection);
    if (address === AMQP_NODES.cbs && state !== undefined) {
      state.cbsReplies = sender;
      return;
    }
    const node = address === undefined ? undefined : nodes.get(address);
    if (node !== undefined) {
      const refused = refusal(state);
      if (refused !== undefined) return void sender.close(amqpConditionOf(refused));
      const pump = new ServiceBoundSender(sender, node.queue, node.format, log, o.serviceBoundSender);
      serviceBound.set(sender, pump);
      pump.pump();
      return;
    }
    sender.close({ condition: 'amqp:not-found', description: `no node '${String(address)}' to receive from; the service nodes are ${[AMQP_NODES.cbs, ...nodes.keys()].join(', ')}` });
  });

  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver;
    if (receiver === undefined) return;
    const address = (receiver as unknown as { remote: { attach?: { target?: { address?: string } } } }).remote.attach?.target?.address;
    if (address === AMQP_NODES.cbs) return;
    if (address === AMQP_NODES.c2d) {
      const refused = refusal(auth.get(context.connection));
      if (refused !== undefined) receiver.close(amqpConditionOf(refused));
      return;
    }
    receiver.close({ condition: 'amqp:not-found', description: `no node '${String(address)}' to send to; the service nodes are ${AMQP_NODES.cbs} and ${AMQP_NODES.c2d}` });
  });

  container.on('message', (context: EventContext) => {
    const receiver = context.receiver;
    const delivery = context.delivery as Delivery;
    const message = context.message as Message;
    const state = auth.get(context.connection);
    const address = (receiver as unknown as { remote: { attach?: { target?: { address?: string } } } } | undefined)?.remote.attach?.target?.address;
    if (state === undefined) return void delivery.reject({ condition: 'amqp:internal-error', description: 'unknown connection' });
    if (address !== AMQP_NODES.cbs && address !== AMQP_NODES.c2d) return void state.outcomes.settle(() => delivery.reject({ condition: 'amqp:not-found', description: `no node '${String(address)}'` }));
    if (address === AMQP_NODES.cbs) return void putToken(context.connection, state, message, delivery);
    // One link's messages are queued in the order they arrived (IoT Hub's C2D queue is FIFO per device).
    const previous = (receiver !== undefined ? c2dChains.get(receiver) : undefined) ?? Promise.resolve();
    const queued = previous.then(() => sendC2d(state, message, delivery));
    if (receiver !== undefined) c2dChains.set(receiver, queued);
  });

  container.on('sendable', (context: EventContext) => serviceBound.get(context.sender as Sender)?.pump());
  for (const outcome of ['accepted', 'rejected', 'released', 'modified'] as const) {
    container.on(outcome, (context: EventContext) => serviceBound.get(context.sender as Sender)?.settled(context.delivery as Delivery, outcome));
  }
  const dropServiceBound = (context: EventContext): void => {
    const sender = context.sender as Sender | undefined;
    if (sender === undefined) return;
    serviceBound.get(sender)?.close();
    serviceBound.delete(sender);
  };
  container.on('sender_close', dropServiceBound);
  container.on('sender_error', dropServiceBound);

  container.on('connection_error', (context: EventContext) => log.debug({ err: context.connection.error }, 'AMQP connection error'));
  container.on('error', (err: unknown) => log.debug({ err }, 'AMQP protocol error'));
  container.on('disconnected', (context: EventContext) => {
    const state = auth.get(context.connection);
    if (state !== undefined) clearTimeout(state.timer);
    for (const [sender, pump] of serviceBound) {
      if (sender.connection !== context.connection) continue;
      pump.close();
      serviceBound.delete(sender);
    }
  });

  /** The refusal for a C2D send or link: no token yet, an expired one, or a policy without ServiceConnect. */
  function refusal(state: ConnectionAuth | undefined): VergeError | undefined {
    if (state?.policy === undefined) return new VergeError('CLD_AUTH_MISSING', `put a SharedAccessSignature of a shared access policy on ${AMQP_NODES.cbs} first`);
    if (o.nowMs() >= state.acceptedUntilMs) return new VergeError('CLD_AUTH_EXPIRED', 'the token put on $cbs has expired; put a new one');
    try {
      assertRight(state.policy, 'ServiceConnect');
    } catch (e) {
      return e as VergeError;
    }
    return undefined;
  }

  async function putToken(connection: Connection, state: ConnectionAuth, message: Message, delivery: Delivery): Promise<void> {
    state.outcomes.settle(() => delivery.accept());
    const request = readPutToken(message);
    if (typeof request === 'string') return reply(state, cbsResponse({ messageId: message.message_id, replyTo: message.reply_to as string | undefined }, { ok: false, error: request }));
    try {
      const policy = await authenticateService(request.token, {
        hostName: o.hostName,
        extraAudiences: [`${o.hostName}:${boundPort}`],
        nowSec: Math.floor(o.nowMs() / 1000),
        findPolicy: o.findPolicy,
      });
      state.policy = policy;
      state.acceptedUntilMs = (parseSasToken(request.token).expirySec + IOT_HUB_SAS_CLOCK_SKEW_SEC + 1) * 1000;
      armTimer(connection, state);
      reply(state, cbsResponse(request, { ok: true }));
    } catch (e) {
      log.info({ err: e }, 'AMQP put-token refused');
      reply(state, cbsResponse(request, { ok: false, error: e }));
    }
  }

  function reply(state: ConnectionAuth, response: ReturnType<typeof cbsResponse>): void {
    if (state.cbsReplies === undefined || !state.cbsReplies.is_open()) return void log.debug('put-token answered without a $cbs reply link');
    state.cbsReplies.send(response as unknown as Message);
  }

  async function sendC2d(state: ConnectionAuth, message: Message, delivery: Delivery): Promise<void> {
    try {
      const refused = refusal(state);
      if (refused !== undefined) throw refused;
      const { deviceId, input } = readC2dMessage(message);
      await o.c2d.send(deviceId, input);
      state.outcomes.settle(() => delivery.accept());
    } catch (e) {
      if (!(e instanceof VergeError)) log.error({ err: e }, 'AMQP C2D message failed');
      state.outcomes.settle(() => delivery.reject(amqpConditionOf(e)));
    }
  }

  return {
    start: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => {
          server.off('error', reject);
          boundPort = (server.address() as AddressInfo).port;
          resolve(boundPort);
        });
      }),
    setTls(tls) {
      server.setSecureContext({ key: tls.key, cert: tls.cert });
    },
    acceptWebSocket(ws) {
      adopt(wrapWebSocket(ws), { destroy: () => ws.terminate() }, (listener) => ws.on('close', listener));
    },
    async stop() {
      for (const pump of serviceBound.values()) pump.close();
      serviceBound.clear();
      const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      for (const connection of open.values()) connection.close({ condition: 'amqp:connection:forced', description: 'the cloud is shutting down' });
      await new Promise<void>((resolve) => setImmediate(resolve)); // the close frames go out
      for (const handle of open.keys()) handle.destroy();
      await closed;
    },
  };
}
