import type { QueueEntry } from '@verge/contracts';
import type { EndpointSender, SendOutcome, SendResult } from '../../../src/hub/endpoints/index.js';

/** One call the pump made. */
export interface SenderCall {
  readonly atMs: number;
  readonly bodies: readonly string[];
  readonly priorities: readonly number[];
}

const text = (e: QueueEntry): string => new TextDecoder().decode(e.message.body);

/**
 * A scripted endpoint: `outcome` decides per message; like a real sender it stops at the first retryable failure
 * and reports the rest of the call as retryable. `hold()` makes calls wait until `release()`.
 */
export class FakeSender implements EndpointSender {
  readonly calls: SenderCall[] = [];
  readonly delivered: string[] = [];
  outcome: (body: string) => SendOutcome = () => ({ kind: 'ok' });
  private held: (() => void)[] | undefined;

  constructor(private readonly nowMs: () => number) {}

  /** Every call from now on fails as retryable (the endpoint is offline). */
  offline(): void {
    this.outcome = () => ({ kind: 'retryable', reason: 'endpoint offline' });
  }

  online(): void {
    this.outcome = () => ({ kind: 'ok' });
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  async send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult> {
    this.calls.push({ atMs: this.nowMs(), bodies: messages.map(text), priorities: messages.map((m) => Number(m.message.properties['p'] ?? -1)) });
    if (this.held !== undefined) await new Promise<void>((resolve) => this.held!.push(resolve));
    if (signal.aborted) throw new Error('aborted');
    const outcomes: SendOutcome[] = [];
    let failed = false;
    for (const m of messages) {
      const o: SendOutcome = failed ? { kind: 'retryable', reason: 'not attempted' } : this.outcome(text(m));
      if (o.kind === 'retryable') failed = true;
      if (o.kind === 'ok') this.delivered.push(text(m));
      outcomes.push(o);
    }
    return { outcomes };
  }
}
