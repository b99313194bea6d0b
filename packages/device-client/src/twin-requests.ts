import { randomUUID } from 'node:crypto';
import { VergeError } from '@verge/contracts';

/** A twin request's answer: `$iothub/twin/res/{status}/?$rid=…[&$version=…]` and its body. */
export interface TwinAnswer {
  readonly status: number;
  readonly version?: number;
  readonly body: Buffer;
}

/** A twin request waiting to be sent (topic built from the rid) and answered. */
export interface TwinRequest {
  readonly rid: string;
  readonly topic: string;
  readonly payload: string;
  /** True once published on the current connection. */
  sent: boolean;
}

interface Entry {
  readonly request: TwinRequest;
  readonly resolve: (answer: TwinAnswer) => void;
  readonly reject: (err: Error) => void;
  readonly cleanup: () => void;
}

/** Options of one twin request. */
export interface RequestOptions {
  /** Overrides the client's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Twin requests in flight, by `$rid` (a random UUID, as the SDK). Each has a timeout that counts offline time
 * too, unlike the SDK's twin requests, which wait forever (azure-sdk-protocol.md §0.3). Requests are kept in
 * creation order so that they can be re-sent in order on a new connection.
 */
export class TwinRequests {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly defaultTimeoutMs: number) {}

  /** Registers a request; `topicFor(rid)` builds its topic. The promise settles with the answer or an error. */
  create(topicFor: (rid: string) => string, payload: string, what: string, options: RequestOptions = {}): { request: TwinRequest; answer: Promise<TwinAnswer> } {
    const rid = randomUUID();
    const request: TwinRequest = { rid, topic: topicFor(rid), payload, sent: false };
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const answer = new Promise<TwinAnswer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(rid, new VergeError('SDK_REQUEST_TIMEOUT', `${what}: no response within ${timeoutMs} ms`, { details: { timeoutMs } })), timeoutMs);
      const onAbort = (): void => this.fail(rid, new VergeError('SDK_REQUEST_ABORTED', `${what}: aborted`, { cause: options.signal?.reason }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.entries.set(rid, { request, resolve, reject, cleanup });
      if (options.signal?.aborted === true) onAbort();
    });
    return { request, answer };
  }

  /** Settles the request `rid` with the hub's answer; false when no such request waits (late or foreign). */
  answer(rid: string, answer: TwinAnswer): boolean {
    const entry = this.entries.get(rid);
    if (entry === undefined) return false;
    this.entries.delete(rid);
    entry.cleanup();
    entry.resolve(answer);
    return true;
  }

  /** Requests not yet published on the current connection, in creation order. */
  unsent(): TwinRequest[] {
    return [...this.entries.values()].map((e) => e.request).filter((r) => !r.sent);
  }

  /** A new connection: requests published on the old one get no answer there, so they are sent again. */
  markAllUnsent(): void {
    for (const { request } of this.entries.values()) request.sent = false;
  }

  /** Fails one request (no-op when already settled). */
  fail(rid: string, err: Error): void {
    const entry = this.entries.get(rid);
    if (entry === undefined) return;
    this.entries.delete(rid);
    entry.cleanup();
    entry.reject(err);
  }

  /** Fails every request (the client closes). */
  failAll(err: Error): void {
    for (const rid of [...this.entries.keys()]) this.fail(rid, err);
  }

  get size(): number {
    return this.entries.size;
  }
}
