import type { EventCollector } from '../cloud/index.js';

/** The `seq`s producer.mjs sent, per run (process id), in arrival order at the cloud. */
export function producerRuns(events: EventCollector, moduleId: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (const body of events.bodiesOf(moduleId)) {
    const run = Number(body['run']);
    const seqs = runs.get(run) ?? [];
    seqs.push(Number(body['seq']));
    runs.set(run, seqs);
  }
  return runs;
}

/** The numbers from 1 to `through` missing from `seqs`. */
export function missingSeqs(seqs: readonly number[], through: number): number[] {
  const seen = new Set(seqs);
  return Array.from({ length: through }, (_, i) => i + 1).filter((s) => !seen.has(s));
}
