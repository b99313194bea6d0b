import type { Clock, QueueEntry } from '@verge/contracts';
import type { EndpointSender, SendOutcome } from './endpoint-sender.js';

/**
 * One call of `sender.send`, bounded by `timeoutMs` (reference §4: per-send timeout 30 s). A timeout, a throw, an
 * abort, or a result without one outcome per message turns into retryable outcomes, so the pump never loses a
 * message to a misbehaving sender.
 */
export async function sendOnce(
  sender: EndpointSender,
  entries: readonly QueueEntry[],
  controller: AbortController,
  clock: Clock,
  timeoutMs: number,
): Promise<readonly SendOutcome[]> {
  let cancel: () => void = () => undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    cancel = clock.setTimer(() => resolve('timeout'), timeoutMs);
  });
  const aborted = new Promise<'aborted'>((resolve) => controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
  try {
    const result = await Promise.race([sender.send(entries, controller.signal), timedOut, aborted]);
    if (result === 'timeout') {
      controller.abort(new Error('send timed out'));
      return retryAll(entries, `send timed out after ${timeoutMs} ms`);
    }
    if (result === 'aborted') return retryAll(entries, 'send aborted');
    if (!Array.isArray(result?.outcomes)) return retryAll(entries, 'the endpoint sender returned no outcomes');
    return entries.map((_, i) => result.outcomes[i] ?? { kind: 'retryable', reason: `the endpoint sender returned ${result.outcomes.length} outcomes for ${entries.length} messages` });
  } catch (e) {
    return retryAll(entries, e instanceof Error ? e.message : String(e));
  } finally {
    cancel();
  }
}

function retryAll(entries: readonly QueueEntry[], reason: string): SendOutcome[] {
  return entries.map(() => ({ kind: 'retryable', reason }));
}
