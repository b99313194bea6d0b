import { randomUUID } from 'node:crypto';
import rhea, { type Delivery, type Message, type Sender } from 'rhea';
import type { Logger } from '@verge/platform';
import type { C2dFeedbackQueue } from '../store/ports.js';

/** IoT Hub's content type of a feedback batch (a JSON array of feedback records). */
export const FEEDBACK_CONTENT_TYPE = 'application/vnd.microsoft.iothub.feedback.json';

/** Bounds of a feedback link. */
export interface FeedbackSenderOptions {
  /** Records per message (IoT Hub batches feedback). */
  readonly batch: number;
  /** How often an idle link looks for new records, and waits after a released batch or a store error. */
  readonly pollMs: number;
}

export const DEFAULT_FEEDBACK_SENDER: FeedbackSenderOptions = { batch: 100, pollMs: 1_000 };

/**
 * Serves one `/messages/serviceBound/feedback` link (azure-iothub `getFeedbackReceiver`): sends the oldest feedback
 * records as one message (a JSON array), one message in flight; a batch the receiver accepts (the SDK accepts on
 * arrival) or rejects is removed from the queue, a released or modified one is sent again later. Records stay in the
 * store until then, so a receiver that goes away loses nothing (at least once; two receivers at once, on one or two
 * instances, may both get a batch).
 */
export class FeedbackSender {
  private inFlight: { readonly delivery: Delivery; readonly seqs: readonly number[] } | undefined;
  private reading = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sender: Sender,
    private readonly queue: C2dFeedbackQueue,
    private readonly log: Logger,
    private readonly options: FeedbackSenderOptions = DEFAULT_FEEDBACK_SENDER,
  ) {}

  /** Sends the next batch when the link has credit and nothing is in flight; otherwise looks again later. */
  pump(): void {
    if (this.closed || this.reading || this.inFlight !== undefined) return;
    if (!this.sender.sendable()) return; // the next `sendable` event pumps again
    this.reading = true;
    this.queue
      .oldest(this.options.batch)
      .then((rows) => {
        this.reading = false;
        if (this.closed) return;
        if (rows.length === 0 || !this.sender.sendable()) return this.later();
        const message = { message_id: randomUUID(), content_type: FEEDBACK_CONTENT_TYPE, body: rhea.message.data_section(Buffer.from(JSON.stringify(rows.map((r) => r.record)))) };
        this.inFlight = { delivery: this.sender.send(message as unknown as Message), seqs: rows.map((r) => r.seq) };
      })
      .catch((err: unknown) => {
        this.reading = false;
        this.log.warn({ err }, 'feedback records could not be read');
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
        this.log.warn({ err }, 'completed feedback records could not be removed; they will be sent again');
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
