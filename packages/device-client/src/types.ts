import type { InputMessage, OutgoingMessage, ReceivedMessage } from './messages.js';
import type { SendOptions } from './outbox.js';
import type { RequestOptions } from './twin-requests.js';

/** A twin as a GET returns it (azure-sdk-protocol.md §5): both sections with their `$version`. */
export interface TwinDocument {
  readonly desired: Record<string, unknown>;
  readonly reported: Record<string, unknown>;
}

/** A direct-method call received from the hub. */
export interface MethodRequest {
  readonly methodName: string;
  /** The request body parsed as JSON; the raw text when it is not JSON; `null` when empty. */
  readonly payload: unknown;
  readonly rid: string;
}

/** The answer to a direct method: `status` and a JSON payload (`undefined` is sent as `null`, as `res.send(200)`). */
export interface MethodResponse {
  readonly status: number;
  readonly payload?: unknown;
}

/** Answers direct methods; a thrown error answers 500 `{ "message": … }`. */
export type MethodHandler = (request: MethodRequest) => MethodResponse | Promise<MethodResponse>;

/** Why a connection was made. */
export type ConnectedReason = 'initial' | 'reconnect' | 'tokenRenewal';

/** Why the client is not connected: a drop, a failed attempt, a token renewal in progress, or `close()`. */
export type DisconnectedReason = 'connectionLost' | 'connectFailed' | 'tokenRenewal' | 'closed';

/** `connected` event data. */
export interface ConnectedEvent {
  readonly reason: ConnectedReason;
  /** CONNACK sessionPresent: false means the hub forgot the subscriptions and the client made them again. */
  readonly sessionPresent: boolean;
}

/** `disconnected` event data. */
export interface DisconnectedEvent {
  readonly reason: DisconnectedReason;
  readonly error?: Error;
  /** When the next attempt is made, for `connectionLost` and `connectFailed`. */
  readonly retryInMs?: number;
}

/** Event listeners of a {@link DeviceClient}. */
export interface DeviceClientEvents {
  connected: (event: ConnectedEvent) => void;
  disconnected: (event: DisconnectedEvent) => void;
  /** Failures that do not end the connection (a refused subscription, an undecodable publish). */
  error: (error: Error) => void;
}

/** Options of {@link DeviceClient.connect}. */
export interface ConnectOptions {
  /** Reject if not connected within this time; default: wait as long as it takes. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * An IoT Hub MQTT client for one device or module identity (azure-sdk-protocol.md): persistent session,
 * reconnect with exponential backoff, SAS token renewal by reconnecting with clean=false, and the operations
 * of the SDK built only from the contracts' topics. Every operation may be called before `connect()` resolves:
 * it waits for the connection (within its own timeout).
 */
export interface DeviceClient {
  readonly deviceId: string;
  readonly moduleId: string | undefined;
  readonly connected: boolean;
  /**
   * Starts connecting (idempotent) and resolves once connected. Failed attempts do not reject: the client keeps
   * retrying; the timeout or the signal rejects with the last connection error (or SDK_REQUEST_TIMEOUT).
   */
  connect(options?: ConnectOptions): Promise<void>;
  /** Sends telemetry (QoS 1), or a module output when `outputName` is set; resolves on PUBACK. */
  sendEvent(message: OutgoingMessage, options?: SendOptions): Promise<void>;
  /**
   * Sends events (QoS 1) in order, written together; resolves once every one settled, with `undefined` (PUBACKed)
   * or its error per message, in order: SDK_MESSAGE_TOO_LARGE / SDK_OPERATION_UNSUPPORTED for one the client
   * refuses (the others are still sent), else SDK_REQUEST_TIMEOUT, SDK_REQUEST_ABORTED or SDK_CLIENT_CLOSED.
   */
  sendEvents(messages: readonly OutgoingMessage[], options?: SendOptions): Promise<readonly (Error | undefined)[]>;
  /** Full twin GET; rejects after `requestTimeoutMs` (the SDK's has no timeout). */
  getTwin(options?: RequestOptions): Promise<TwinDocument>;
  /** Reported-properties merge patch (`null` deletes); resolves with the new reported `$version` when the hub names it. */
  patchReported(patch: Record<string, unknown>, options?: RequestOptions): Promise<number | undefined>;
  /** Desired-property patches with their `$version` (from the topic, else the body). */
  onDesiredPatch(listener: (patch: Record<string, unknown>, version: number | undefined) => void): () => void;
  /** The direct-method handler (one per client; a later one replaces it). */
  onMethod(handler: MethodHandler): () => void;
  /** Cloud-to-device messages (devices only); the PUBACK waits for the listeners' promises. */
  onC2d(listener: (message: ReceivedMessage) => void | Promise<void>): () => void;
  /** Module input messages (modules only); the PUBACK waits for the listeners' promises. */
  onInputMessage(listener: (message: InputMessage) => void | Promise<void>): () => void;
  on<E extends keyof DeviceClientEvents>(event: E, listener: DeviceClientEvents[E]): () => void;
  /** Waits briefly for in-flight acknowledgements, disconnects and fails whatever is still pending. Idempotent. */
  close(): Promise<void>;
}
