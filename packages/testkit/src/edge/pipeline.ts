import { expect } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import type { EventCollector, TestCloud } from '../cloud/index.js';
import { eventually } from '../wait/index.js';
import { PIPELINE_IDS, type PipelineIds } from './test-modules.js';

type Json = Record<string, unknown>;

/** `$edgeAgent` reported properties as the cloud holds them. */
export async function agentReported(t: TestCloud, edgeId: string): Promise<Json> {
  const twin = await t.api.twins.get({ deviceId: edgeId, moduleId: '$edgeAgent' });
  return (twin.properties?.reported ?? {}) as Json;
}

/** Waits until the cloud shows every module in `ids` with `runtimeStatus: running` and the deployment applied (200). */
export async function waitForRunning(t: TestCloud, edgeId: string, ids: readonly string[], timeoutMs = 60_000): Promise<Json> {
  return eventually(async () => {
      const r = await agentReported(t, edgeId);
      const modules = (r['modules'] ?? {}) as Record<string, Json>;
      const status = r['lastDesiredStatus'] as { code?: number } | undefined;
      return status?.code === 200 && ids.every((id) => modules[id]?.['runtimeStatus'] === 'running') ? r : undefined;
    }, { description: `$edgeAgent reported ${ids.join(', ')} running with lastDesiredStatus 200`, timeoutMs: timeoutMs, intervalMs: 500 });
}

/** The `seq` of module B's (`filterId`) messages in arrival order. */
export function filterSeqs(events: EventCollector, filterId = PIPELINE_IDS.filter): number[] {
  return events.bodiesOf(filterId).map((b) => Number(b['seq']));
}

/**
 * Checks "in order per sender, nothing lost" for an at-least-once stream: the first occurrences of the sequence
 * numbers are strictly increasing and contiguous from the first to the last seen. Returns the duplicates count.
 */
export function expectInOrderWithoutGaps(seqs: readonly number[]): { unique: number; duplicates: number } {
  const seen = new Set<number>();
  const firsts: number[] = [];
  for (const s of seqs) {
    if (seen.has(s)) continue;
    seen.add(s);
    firsts.push(s);
  }
  expect(firsts.length).toBeGreaterThan(0);
  const from = firsts[0] ?? 0;
  expect(firsts).toEqual(Array.from({ length: firsts.length }, (_, i) => from + i));
  return { unique: firsts.length, duplicates: seqs.length - firsts.length };
}

/** Module B's messages reached the cloud as module B of the edge device, with module A's body. */
export async function expectPipelineMessages(events: EventCollector, edgeId: string, atLeast: number, ids: PipelineIds = PIPELINE_IDS): Promise<void> {
  await eventually(() => events.bodiesOf(ids.filter).length >= atLeast, { description: `${atLeast} messages from module ${ids.filter} on /events`, timeoutMs: 60_000 });
  const fromFilter = events.messages.filter((m) => m.moduleId === ids.filter);
  for (const m of fromFilter.slice(0, atLeast)) {
    expect(m.deviceId).toBe(edgeId);
    expect(m.properties['via']).toBe(ids.filter);
    const body = JSON.parse(new TextDecoder().decode(m.body)) as Json;
    expect(body['sender']).toBe(ids.producer);
    expect(m.properties['seq']).toBe(String(body['seq']));
  }
}

/** The hub's counters of an endpoint whose id contains `fragment` (e.g. `upstream`, `filter`). */
export function endpointSent(edge: RunningEdge, fragment: string): number {
  const endpoint = edge.hubStatus().endpoints.find((e) => e.endpointId.includes(fragment));
  return endpoint === undefined ? 0 : endpoint.priorities.reduce((n, p) => n + p.sent, 0);
}
