import { VergeError, topics } from '@verge/contracts';
import type { Connection } from './connection.js';
import { FEATURE_ORDER, featureFilter, type Feature } from './features.js';
import { dispatchInbound } from './inbound.js';
import { Listeners } from './listeners.js';
import { eventPublication, type InputMessage, type OutgoingMessage, type ReceivedMessage } from './messages.js';
import { resolveOptions, type DeviceClientOptions, type ResolvedOptions } from './options.js';
import { Outbox, type Publication, type SendOptions } from './outbox.js';
import { ConnectionSupervisor } from './supervisor.js';
import { readReportedVersion, readTwinDocument } from './twin-answers.js';
import { TwinRequests, type RequestOptions, type TwinAnswer } from './twin-requests.js';
import type { ConnectOptions, ConnectedEvent, DeviceClient, DeviceClientEvents, DisconnectedEvent, MethodHandler, TwinDocument } from './types.js';

/**
 * Creates an IoT Hub MQTT client for one device or module identity (see {@link DeviceClient}). Nothing happens
 * until `connect()` or the first operation. Throws VergeError SDK_OPTIONS_INVALID for bad options.
 */
export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  return new DeviceClientImpl(resolveOptions(options));
}

class DeviceClientImpl implements DeviceClient {
  private readonly supervisor: ConnectionSupervisor;
  private readonly outbox = new Outbox();
  private readonly requests: TwinRequests;
  private readonly wanted = new Set<Feature>();
  private readonly confirmed = new Set<Feature>();
  private readonly subscribing = new Set<Feature>();
  private readonly desired = new Listeners<[Record<string, unknown>, number | undefined]>();
  private readonly c2d = new Listeners<[ReceivedMessage], void | Promise<void>>();
  private readonly inputs = new Listeners<[InputMessage], void | Promise<void>>();
  private readonly connectedListeners = new Listeners<[ConnectedEvent]>();
  private readonly disconnectedListeners = new Listeners<[DisconnectedEvent]>();
  private readonly errorListeners = new Listeners<[Error]>();
  private methodHandler: MethodHandler | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: ResolvedOptions) {
    this.requests = new TwinRequests(o.requestTimeoutMs);
    this.supervisor = new ConnectionSupervisor(o, {
      connected: (connection, event) => this.handleConnected(connection, event),
      disconnected: (event) => this.handleDisconnected(event),
      publish: (topic, payload) =>
        dispatchInbound(
          {
            deviceId: o.deviceId,
            moduleId: o.moduleId,
            requests: this.requests,
            desired: this.desired,
            c2d: this.c2d,
            inputs: this.inputs,
            methodHandler: () => this.methodHandler,
            respond: (t, p) => void this.supervisor.current?.publish(t, p, 0).catch(() => undefined),
            error: (err) => this.emitError(err),
            log: o.log,
          },
          topic,
          payload,
        ),
    });
  }

  get deviceId(): string {
    return this.o.deviceId;
  }

  get moduleId(): string | undefined {
    return this.o.moduleId;
  }

  get connected(): boolean {
    return this.supervisor.current !== undefined && !this.supervisor.current.closed;
  }

  connect(options: ConnectOptions = {}): Promise<void> {
    this.assertOpen();
    this.supervisor.start();
    if (this.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => finish(this.notConnected(`not connected within ${options.timeoutMs} ms`)), options.timeoutMs);
      const onAbort = (): void => finish(new VergeError('SDK_REQUEST_ABORTED', 'connect: aborted', { cause: options.signal?.reason }));
      const offConnected = this.connectedListeners.add(() => finish(undefined));
      const offClosed = this.disconnectedListeners.add((e) => (e.reason === 'closed' ? finish(new VergeError('SDK_CLIENT_CLOSED', 'the client was closed')) : undefined));
      const finish = (err: Error | undefined): void => {
        clearTimeout(timer);
        offConnected();
        offClosed();
        options.signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted === true) onAbort();
    });
  }

  sendEvent(message: OutgoingMessage, options: SendOptions = {}): Promise<void> {
    this.assertOpen();
    const { topic, payload } = eventPublication(this.o, message);
    const { acknowledged } = this.outbox.add(topic, payload, options);
    this.supervisor.start();
    this.flush();
    return acknowledged;
  }

  sendEvents(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<readonly (Error | undefined)[]> {
    this.assertOpen();
    // A message the client refuses (too large, an output of a device) fails alone; the others are queued, in order.
    const refused = new Map<number, Error>();
    const publications: Publication[] = [];
    messages.forEach((m, i) => {
      try {
        publications.push(eventPublication(this.o, m));
      } catch (e) {
        refused.set(i, e instanceof Error ? e : new Error(String(e)));
      }
    });
    const { settled } = this.outbox.addAll(publications, options);
    this.supervisor.start();
    this.flush();
    if (refused.size === 0) return settled;
    return settled.then((results) => {
      let next = 0;
      return messages.map((_, i) => (refused.has(i) ? refused.get(i) : results[next++]));
    });
  }

  async getTwin(options: RequestOptions = {}): Promise<TwinDocument> {
    const answer = await this.twinRequest((rid) => topics.twinGet(rid), ' ', 'twin GET', options);
    return readTwinDocument(answer);
  }

  async patchReported(patch: Record<string, unknown>, options: RequestOptions = {}): Promise<number | undefined> {
    const answer = await this.twinRequest((rid) => topics.twinReportedPatch(rid), JSON.stringify(patch), 'reported-properties patch', options);
    return readReportedVersion(answer);
  }

  onDesiredPatch(listener: (patch: Record<string, unknown>, version: number | undefined) => void): () => void {
    this.want('desiredPatches');
    return this.desired.add(listener);
  }

  onMethod(handler: MethodHandler): () => void {
    this.methodHandler = handler;
    this.want('methods');
    return () => {
      if (this.methodHandler === handler) this.methodHandler = undefined;
    };
  }

  onC2d(listener: (message: ReceivedMessage) => void | Promise<void>): () => void {
    if (this.o.moduleId !== undefined) throw new VergeError('SDK_OPERATION_UNSUPPORTED', 'cloud-to-device messages are delivered to devices, not modules; use onInputMessage');
    this.want('c2d');
    return this.c2d.add(listener);
  }

  onInputMessage(listener: (message: InputMessage) => void | Promise<void>): () => void {
    if (this.o.moduleId === undefined) throw new VergeError('SDK_OPERATION_UNSUPPORTED', 'input messages are delivered to modules, not devices; use onC2d');
    this.want('inputs');
    return this.inputs.add(listener);
  }

  on<E extends keyof DeviceClientEvents>(event: E, listener: DeviceClientEvents[E]): () => void {
    switch (event) {
      case 'connected':
        return this.connectedListeners.add(listener as DeviceClientEvents['connected']);
      case 'disconnected':
        return this.disconnectedListeners.add(listener as DeviceClientEvents['disconnected']);
      case 'error':
        return this.errorListeners.add(listener as DeviceClientEvents['error']);
      default:
        throw new VergeError('SDK_OPTIONS_INVALID', `unknown event '${String(event)}': expected connected, disconnected or error`);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.supervisor.close();
      const closed = new VergeError('SDK_CLIENT_CLOSED', 'the client was closed');
      this.outbox.failAll(closed);
      this.requests.failAll(closed);
      this.desired.clear();
      this.c2d.clear();
      this.inputs.clear();
      this.methodHandler = undefined;
    })();
    return this.closing;
  }

  private async twinRequest(topicFor: (rid: string) => string, payload: string, what: string, options: RequestOptions): Promise<TwinAnswer> {
    this.assertOpen();
    const { answer } = this.requests.create(topicFor, payload, what, options);
    this.want('twinResponses');
    this.flush();
    return answer;
  }

  private assertOpen(): void {
    if (this.closing !== undefined || this.supervisor.isClosed) throw new VergeError('SDK_CLIENT_CLOSED', 'the client was closed');
  }

  private notConnected(prefix: string): Error {
    const last = this.supervisor.lastError;
    return new VergeError(last instanceof VergeError ? last.code : 'SDK_REQUEST_TIMEOUT', last === undefined ? prefix : `${prefix}: ${last.message}`, { cause: last });
  }

  private want(feature: Feature): void {
    this.supervisor.start();
    if (this.wanted.has(feature)) return;
    this.wanted.add(feature);
    void this.syncSubscriptions();
  }

  private handleConnected(connection: Connection, event: ConnectedEvent): void {
    // A new session (sessionPresent=false) has no subscriptions: make them again (the SDK does not, §0.3).
    if (!connection.sessionPresent) this.confirmed.clear();
    this.subscribing.clear();
    this.connectedListeners.call(event);
    void this.syncSubscriptions().then(() => this.flush());
    this.flush();
  }

  private handleDisconnected(event: DisconnectedEvent): void {
    this.outbox.requeueAll();
    this.requests.markAllUnsent();
    this.disconnectedListeners.call(event);
  }

  private async syncSubscriptions(): Promise<void> {
    const connection = this.supervisor.current;
    if (connection === undefined) return;
    for (const feature of FEATURE_ORDER) {
      if (!this.wanted.has(feature) || this.confirmed.has(feature) || this.subscribing.has(feature)) continue;
      this.subscribing.add(feature);
      const { filter, qos } = featureFilter(feature, this.o.deviceId, this.o.moduleId);
      try {
        await connection.subscribe(filter, qos);
        if (this.supervisor.current === connection) this.confirmed.add(feature);
      } catch (e) {
        if (!connection.closed) this.emitError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (this.supervisor.current === connection) this.subscribing.delete(feature);
      }
      if (feature === 'twinResponses') this.flush();
    }
  }

  /** Publishes queued events and (once twin responses are subscribed) queued twin requests, in order. */
  private flush(): void {
    const connection = this.supervisor.current;
    if (connection === undefined || connection.closed) return;
    // One write for every queued event; a connection that ends before their PUBACKs requeues them (handleDisconnected).
    const unsent = this.outbox.takeUnsent();
    for (const entry of unsent) entry.inFlight = true;
    connection.publishEvents(unsent);
    if (!this.confirmed.has('twinResponses')) return;
    for (const request of this.requests.unsent()) {
      request.sent = true;
      connection.publish(request.topic, request.payload, 0).catch(() => {
        if (this.supervisor.current === connection) request.sent = false;
      });
    }
  }

  private emitError(err: Error): void {
    this.o.log.warn({ err }, 'device client error');
    try {
      this.errorListeners.call(err);
    } catch (e) {
      this.o.log.warn({ err: e }, 'error listener threw');
    }
  }
}
