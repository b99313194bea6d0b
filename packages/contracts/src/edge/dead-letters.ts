import { z } from 'zod';

// Dead letters of the edge hub's upstream queue (issue 7): senders whose messages are parked because the hub
// cannot act as them upstream (no credential yet, or a credential the cloud refuses). Served by the management API
// (`GET /dead-letters`, `POST /dead-letters/replay`) for `verge edge dead-letters [replay]`.

/** One sender with parked messages. */
export const DeadLetterSenderSchema = z.object({
  /** `deviceId` or `deviceId/moduleId`. */
  sender: z.string(),
  /** Messages parked and not yet delivered. */
  messages: z.number().int().nonnegative(),
  /** Why they were parked (absent after a restart until the next failure). */
  reason: z.string().optional(),
  /** The latest delivery error of their retries. */
  lastError: z.string().optional(),
  /** ISO-8601 time of the next automatic retry (absent while sending or idle). */
  nextRetryAt: z.string().optional(),
});

/** A sender with parked messages. */
export type DeadLetterSender = z.infer<typeof DeadLetterSenderSchema>;

/** `GET /dead-letters` → 200. */
export const DeadLetterListResponseSchema = z.object({ senders: z.array(DeadLetterSenderSchema) });

/** `POST /dead-letters/replay` body: one sender, or every one when absent. */
export const DeadLetterReplayRequestSchema = z.object({ sender: z.string().min(1).optional() });

/** `POST /dead-letters/replay` → 200: the senders whose parked messages are being retried now. */
export const DeadLetterReplayResponseSchema = z.object({ replayed: z.array(DeadLetterSenderSchema) });

/** The edge hub's dead-letter operations, as the management API calls them. */
export interface HubDeadLetters {
  list(): Promise<DeadLetterSender[]>;
  /** Retries the parked messages of `sender` (every sender when undefined) now; rejects HUB_DEAD_LETTER_SENDER_UNKNOWN. */
  replay(sender: string | undefined): Promise<DeadLetterSender[]>;
}
