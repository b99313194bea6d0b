import type { ComponentChildren } from 'preact';
import { errorText, isRouteMissing } from '../api/client.js';

/** A state word as a coloured badge (`running` green, `failed` red …). */
export function Badge({ value }: { value: string | undefined }) {
  const v = value ?? '—';
  const tone = /^(running|connected|completed|passed|applied|ok|succeeded)$/i.test(v)
    ? 'good'
    : /^(failed|backoff|unhealthy|halted|rolledback|aborted|disconnected|cancelled)$/i.test(v)
      ? 'bad'
      : 'neutral';
  return <span class={`badge ${tone}`}>{v}</span>;
}

/** A titled panel; `testId` names it for the browser tests. */
export function Panel({ title, testId, children }: { title: string; testId?: string; children: ComponentChildren }) {
  return (
    <section class="panel" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** An error of a load: a missing route says the cloud does not offer that part yet, anything else its message. */
export function LoadError({ error, what }: { error: unknown; what: string }) {
  if (error === undefined) return null;
  if (isRouteMissing(error)) {
    return (
      <p class="unavailable" data-testid="unavailable">
        {what} is not available on this cloud (its API answers 404).
      </p>
    );
  }
  return (
    <p class="error" role="alert">
      {what}: {errorText(error)}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

export function JsonView({ value, testId }: { value: unknown; testId?: string }) {
  return (
    <pre class="json" data-testid={testId}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Progress({ done, failed, total }: { done: number; failed: number; total: number }) {
  const pct = (n: number): string => `${total === 0 ? 0 : Math.round((n / total) * 100)}%`;
  return (
    <span class="progress" title={`${done} succeeded, ${failed} failed of ${total}`}>
      <span class="ok" style={{ width: pct(done) }} />
      <span class="ko" style={{ width: pct(failed) }} />
    </span>
  );
}

export function time(iso: string | undefined): string {
  if (iso === undefined || iso === '' || iso.startsWith('0001-')) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
