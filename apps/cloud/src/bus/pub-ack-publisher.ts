import type { Clock } from '@verge/contracts';
import { systemClock, type Logger } from '@verge/platform';
import { createInbox, type MsgHdrs, type NatsConnection } from 'nats';

/** What the telemetry stream needs of JetStream: publish one message and learn when the stream stored it. */
export interface StreamPublisher {
  publish(subject: string, data: Uint8Array, options: { msgID: string; headers: MsgHdrs }): Promise<unknown>;
}

/** A {@link StreamPublisher} over one connection; `close` fails what still waits. */
export interface PubAckPublisher extends StreamPublisher {
  close(): void;
}

// How often waiting publishes are checked against their timeout.
const SWEEP_MS = 1_000;

/**
 * JetStream publishing at stream speed: `js.publish` costs one request each (a reply subscription entry, a timer and
 * a promise chain per message), which at telemetry rates costs more CPU than storing the message. Here every publish
 * is a core publish whose reply subject is one inbox this publisher subscribes to once; the stream's PubAck (or its
 * error) arrives there and settles the publish, and one sweep fails those unanswered after `timeoutMs` (the caller
 * retries them; `Nats-Msg-Id` makes the retry harmless).
 */
export function createPubAckPublisher(nc: NatsConnection, log: Logger, timeoutMs = 10_000, clock: Clock = systemClock): PubAckPublisher {
  const inbox = createInbox();
  const decoder = new TextDecoder();
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void; sinceMs: number }>();
  let next = 0;
  let closed = false;

  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err !== null) return void log.error({ err }, 'stream acknowledgement subscription failed');
      const token = msg.subject.slice(inbox.length + 1);
      const w = waiting.get(token);
      if (w === undefined) return;
      waiting.delete(token);
      const text = decoder.decode(msg.data);
      // A PubAck is `{"stream":…,"seq":…}`; a refusal `{"error":…}`, or a status header (503: no stream).
      if (msg.headers?.hasError === true || text === '' || text.includes('"error"')) w.reject(new Error(`stream refused the message: ${text || (msg.headers?.description ?? 'no answer')}`));
      else w.resolve();
    },
  });

  let cancelSweep = (): void => undefined;
  const sweep = (): void => {
    const now = clock.nowMs();
    for (const [token, w] of waiting) {
      if (now - w.sinceMs < timeoutMs) continue;
      waiting.delete(token);
      w.reject(new Error(`no stream acknowledgement within ${timeoutMs} ms`));
    }
    if (!closed) cancelSweep = clock.setTimer(sweep, SWEEP_MS);
  };
  cancelSweep = clock.setTimer(sweep, SWEEP_MS);

  return {
    publish(subject, data, { msgID, headers }) {
      if (closed) return Promise.reject(new Error('publisher closed'));
      headers.set('Nats-Msg-Id', msgID);
      const token = (next++).toString(36);
      const settled = new Promise<void>((resolve, reject) => waiting.set(token, { resolve, reject, sinceMs: clock.nowMs() }));
      nc.publish(subject, data, { reply: `${inbox}.${token}`, headers });
      return settled;
    },
    close() {
      closed = true;
      cancelSweep();
      sub.unsubscribe();
      for (const w of waiting.values()) w.reject(new Error('publisher closed'));
      waiting.clear();
    },
  };
}
