import { randomUUID } from 'node:crypto';
import rhea, { type Delivery, type Message, type Sender } from 'rhea';
import type { Logger } from '@verge/platform';
import type { ServiceBoundQueue } from '../store/ports.js';

/** How one service-bound node puts its records into messages. */
export interface ServiceBoundFormat<T> {
  /** Records per message. */
  readonly batch: number;
  readonly contentType: string;
  /** The JSON body of one message. */
  body(records: readonly T[]): unknown;
}

/** IoT Hub's feedback: batches of records as a JSON array (`getFeedbackReceiver`). */
export const FEEDBACK_FORMAT: ServiceBoundFormat<unknown> = { batch: 100, contentType: 'application/vnd.microsoft.iothub.feedback.json', body: (records) => records };

/** IoT Hub's file notifications: one JSON object per message (`getFileNotificationReceiver`). */
export const FILE_NOTIFICATION_FORMAT: ServiceBoundFormat<unknown> = { batch: 1, contentType: 'application/vnd.microsoft.iothub.filenotification.json', body: (records) => records[0] };

/** Timing of a service-bound link. */
export interface ServiceBoundSenderOptions {
  /** How often an idle link looks for new records, and waits after a released message or a store error. */
  readonly pollMs: number;
  /** Lowers the format's batch (tests); never above it (a format may put only one record in a message). */
  readonly batch?: number;
}

export const DEFAULT_SERVICE_BOUND_SENDER: ServiceBoundSenderOptions = { pollMs: 1_000 };

/**
 * Serves one link of a service-bound node (`/messages/serviceBound/feedback` for azure-iothub's
 * `getFeedbackReceiver`, `/messages/serviceBound/filenotifications` for `getFileNotificationReceiver`): sends the
 * oldest records of its queue in one message, one message in flight; a message the receiver accepts (the SDK accepts
 * on arrival) or rejects is removed from the queue, a released or modified one is sent again later. Records stay in
 * the store until then, so a receiver that goes away loses nothing (at least once; two receivers at once, on one or
 * two instances, may both get a message).
 */
export class ServiceBoundSender<T> {
  private inFlight: { readonly delivery: Delivery; readonly seqs: readonly number[] } | undefined;
  private reading = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sender: Sender,
    private readonly queue: ServiceBoundQueue<T>,
    private readonly format: ServiceBoundFormat<T>,
    private readonly log: Logger,
    private readonly options: ServiceBoundSenderOptions = DEFAULT_SERVICE_BOUND_SENDER,
  ) {}

  /** Sends the next batch when the link has credit and nothing is in flight; otherwise looks again later. */
  pump(): void {
    if (this.closed || this.reading || this.inFlight !== undefined) return;
    if (!this.sender.sendable()) return; // the next `sendable` event pumps again
    this.reading = true;
    this.queue
      .oldest(Math.min(this.options.batch ?? this.format.batch, this.format.batch))
      .then((rows) => {
        this.reading = false;
        if (this.closed) return;
        if (rows.length === 0 || !this.sender.sendable()) return this.later();
        const body = this.format.body(rows.map((r) => r.record));
        const message = { message_id: randomUUID(), content_type: this.format.contentType, body: rhea.message.data_section(Buffer.from(JSON.stringify(body))) };
        this.inFlight = { delivery: this.sender.send(message as unknown as Message), seqs: rows.map((r) => r.seq) };
      })
      .catch((err: unknown) => {
        this.reading = false;
        this.log.warn({ err }, 'service-bound records could not be read');
        this.later();
      });
  }

  /** The receiver settled `delivery`: accepted or rejected removes its records, released or modified keeps them. */
  settled(delivery: Delivery, outcome: 'accepted' | 'rejected' | 'released' | 'modified'): void {
    const sent = this.inFlight;
    if (sent === undefined || sent.delivery !== delivery) return;
    this.inFlight = undefined;
    if (outcome === 'released' || outcome === 'modified') return this.later();
    this.queue
      .remove(sent.seqs)
      .then(() => this.pump())
      .catch((err: unknown) => {
        this.log.warn({ err }, 'completed service-bound records could not be removed; they will be sent again');
        this.later();
      });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private later(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), this.options.pollMs);
    this.timer.unref();
  }
}
