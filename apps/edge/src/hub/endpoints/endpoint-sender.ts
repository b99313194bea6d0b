import type { QueueEntry } from '@verge/contracts';

/** The result of sending one message. */
export type SendOutcome =
  | { readonly kind: 'ok' }
  /** Worth retrying later: the endpoint is offline, timed out, throttled, or its token needs refreshing. */
  | { readonly kind: 'retryable'; readonly reason: string }
  /** Never going to succeed (e.g. oversized, invalid input): the message is dropped and counted (reference §4). */
  | { readonly kind: 'permanent'; readonly reason: string }
  /** Moved durably elsewhere by the sender (its sender's parked queue): retired here, delivered from there. */
  | { readonly kind: 'parked'; readonly reason: string };

/** What `EndpointSender.send` reports: one outcome per message, in the order they were given. */
export interface SendResult {
  readonly outcomes: readonly SendOutcome[];
}

/**
 * Delivers stored messages to one endpoint: the cloud for `$upstream`, a module input for `BrokeredEndpoint(...)`
 * (reference azure-iot-edge.md §3.4, §4). The pump calls it with messages of ONE sender identity at a time and never
 * calls it again for that sender before the previous call settled.
 *
 * To keep per-sender order, a sender delivers the messages of one call in order and stops at the first retryable
 * failure, reporting every later message of the call as retryable too. A throw (or a rejected promise) counts as a
 * retryable failure of every message of the call. `signal` aborts when the pump gives up waiting (send timeout) or
 * stops; the sender should then stop as soon as it can (a message it completes anyway may be delivered twice:
 * delivery is at-least-once, reference §3.5).
 */
export interface EndpointSender {
  send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult>;
}

/** How a pump groups messages for its sender (reference §3.5 "Ordering"). */
export type DeliveryOrdering =
  /**
   * Upstream: a read batch is grouped by sender identity (`connectionDeviceId`/`connectionModuleId`); up to `fanOut`
   * senders are sent in parallel, each in order, in calls of at most `maxBatchSize` messages and `maxBatchBytes`.
   * `readBatchSize` (when the pump's own option does not set it) is how many entries the pump reads per batch.
   */
  | { readonly kind: 'per-sender'; readonly fanOut: number; readonly maxBatchSize: number; readonly maxBatchBytes: number; readonly readBatchSize?: number }
  /** One message per call, in queue order, each waiting for the previous one's outcome. */
  | { readonly kind: 'one-at-a-time' }
  /**
   * Module inputs: calls of up to `maxBatchSize` messages in queue order, each waiting for the previous call's
   * outcomes; the sender keeps a window of them in flight inside a call (issue 8).
   */
  | { readonly kind: 'in-order'; readonly maxBatchSize: number };

/**
 * Entries an upstream pump reads per batch: the pump waits for every call of a batch before it reads the next, and
 * a read batch shared by N interleaved senders gives each sender a call of about 1/N of it (issue 8, measured with
 * 4 senders: 100 per read made calls of ~25 messages, each with its own abort wiring, pool look-up and checkpoint).
 */
export const upstreamReadBatchSize = 400;

/**
 * iotedge's upstream defaults `UpstreamFanOutFactor` 10 and 256 KB per batch (reference §3.5); iotedge's
 * `MaxUpstreamBatchSize` 10 sends a batch as one message, Verge publishes each message and writes a call's messages
 * together, so a call takes up to a read batch of one sender (issue 8, H3: 10 per call cost ~1.4× the hub CPU per
 * forwarded message and a cloud round trip per 10 messages).
 */
export const upstreamOrdering: DeliveryOrdering = { kind: 'per-sender', fanOut: 10, maxBatchSize: 100, maxBatchBytes: 256 * 1024, readBatchSize: upstreamReadBatchSize };

/**
 * Module endpoints deliver in queue order (reference §3.5); iotedge sends one at a time, Verge hands the module input
 * sender whole read batches, which it pipelines with a window of unacknowledged publishes (issue 8).
 */
export const moduleInputOrdering: DeliveryOrdering = { kind: 'in-order', maxBatchSize: 1000 };

/** iotedge's module endpoint ordering: one message per call, each waiting for the previous one's outcome. */
export const moduleOrdering: DeliveryOrdering = { kind: 'one-at-a-time' };
